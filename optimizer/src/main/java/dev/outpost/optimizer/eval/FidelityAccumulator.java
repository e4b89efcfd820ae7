package dev.outpost.optimizer.eval;

import java.util.OptionalDouble;

/**
 * Accumulates the fidelity of one output to its reference, sample by sample, into an
 * {@link OutputFidelity}. Sums are kept in double. Not thread-safe.
 */
final class FidelityAccumulator {

    private final String name;
    private final String referenceName;
    private final boolean vectorShaped;
    private int valuesPerSample = -1;
    private int samples;
    private double cosineSum;
    private double cosineMin = Double.POSITIVE_INFINITY;
    private double signal;
    private double noise;
    private double maxAbsError;
    private int agreements;

    /**
     * @param vectorShaped true when the output holds one vector per sample, so top-1 agreement means something
     */
    FidelityAccumulator(String name, String referenceName, boolean vectorShaped) {
        this.name = name;
        this.referenceName = referenceName;
        this.vectorShaped = vectorShaped;
    }

    /**
     * Adds one sample.
     *
     * @throws IllegalArgumentException when the two arrays differ in length, or differ from earlier samples
     */
    void add(float[] reference, float[] output) {
        if (reference.length != output.length) {
            throw new IllegalArgumentException("output '" + name + "' has " + output.length
                    + " values per sample but the reference's '" + referenceName + "' has " + reference.length);
        }
        if (valuesPerSample >= 0 && valuesPerSample != output.length) {
            throw new IllegalArgumentException("output '" + name + "' changed from " + valuesPerSample + " to "
                    + output.length + " values per sample");
        }
        valuesPerSample = output.length;
        double cosine = cosine(reference, output);
        cosineSum += cosine;
        cosineMin = Math.min(cosineMin, cosine);
        for (int i = 0; i < reference.length; i++) {
            double difference = (double) reference[i] - output[i];
            signal += (double) reference[i] * reference[i];
            noise += difference * difference;
            maxAbsError = Math.max(maxAbsError, Math.abs(difference));
        }
        if (vectorShaped && argmax(reference) == argmax(output)) {
            agreements++;
        }
        samples++;
    }

    /** The result over the samples added so far. */
    OutputFidelity result() {
        return new OutputFidelity(name, referenceName, Math.max(0, valuesPerSample),
                samples == 0 ? Double.NaN : cosineSum / samples,
                samples == 0 ? Double.NaN : cosineMin,
                sqnrDb(signal, noise), maxAbsError,
                vectorShaped && samples > 0 ? OptionalDouble.of(agreements / (double) samples) : OptionalDouble.empty());
    }

    /** Cosine similarity; 1 when both are all zero, 0 when only one is. */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double normA = 0;
        double normB = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            normA += (double) a[i] * a[i];
            normB += (double) b[i] * b[i];
        }
        if (normA == 0 && normB == 0) {
            return 1;
        }
        if (normA == 0 || normB == 0) {
            return 0;
        }
        return dot / (Math.sqrt(normA) * Math.sqrt(normB));
    }

    /** {@code 10 log10(signal / noise)}: +infinity without noise, -infinity without signal. */
    static double sqnrDb(double signal, double noise) {
        if (noise == 0) {
            return Double.POSITIVE_INFINITY;
        }
        return 10 * Math.log10(signal / noise);
    }

    /** Index of the largest value (the first of ties); -1 for an empty array. */
    static int argmax(float[] values) {
        int best = -1;
        for (int i = 0; i < values.length; i++) {
            if (best < 0 || values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
