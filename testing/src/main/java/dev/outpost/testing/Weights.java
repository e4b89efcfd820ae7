package dev.outpost.testing;

import java.util.Random;

/** Random weights for hand-built graphs, drawn from a caller's seeded stream. Stateless. */
final class Weights {

    private Weights() {
    }

    /** {@code count} normal values of standard deviation {@code std}, the next ones of {@code random}. */
    static float[] gaussian(Random random, int count, double std) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
