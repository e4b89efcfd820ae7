package dev.outpost.runtime;

/**
 * Separable bilinear resampling of interleaved 8-bit images with precomputed coefficients.
 *
 * <p>Pixel centers are at half-integer positions ({@code align_corners = false}): output pixel
 * {@code i} samples the input at {@code (i + 0.5) * in / out - 0.5}, weighting the two nearest input
 * pixels: OpenCV's {@code INTER_LINEAR} (and PIL's {@code BILINEAR} when enlarging). With
 * {@code antialias}, the triangle filter is widened by the shrink factor when shrinking, as in PIL (and
 * torchvision on PIL images), so every input pixel contributes; when enlarging both are the same. Only the requested output window is computed, so a resize
 * followed by a crop costs only the cropped pixels. Stateless and thread-safe.
 */
final class Resampler {

    private Resampler() {
    }

    /** Filter taps of one axis: for output pixel {@code i}, input {@code first[i] ..} with weights. */
    record Taps(int[] first, int[] count, float[] weights, int width) {

        /**
         * Coefficients for output pixels {@code outStart .. outStart + outCount} of an {@code in -> out}
         * resize; {@code antialias} widens the filter by the shrink factor.
         */
        static Taps of(int in, int out, int outStart, int outCount, boolean antialias) {
            double scale = (double) in / out;
            double filterScale = antialias ? Math.max(scale, 1.0) : 1.0;
            double support = filterScale;
            int width = (int) Math.ceil(support) * 2 + 1;
            int[] first = new int[outCount];
            int[] count = new int[outCount];
            float[] weights = new float[outCount * width];
            double[] raw = new double[width];
            for (int k = 0; k < outCount; k++) {
                double center = (outStart + k + 0.5) * scale;
                int lo = Math.max(0, (int) Math.floor(center - support + 0.5));
                int hi = Math.min(in, (int) Math.floor(center + support + 0.5));
                double sum = 0;
                int n = 0;
                for (int j = lo; j < hi && n < width; j++, n++) {
                    double w = Math.max(0.0, 1.0 - Math.abs((j + 0.5 - center) / filterScale));
                    raw[n] = w;
                    sum += w;
                }
                if (sum == 0) {
                    // Only possible at the very edge; take the nearest input pixel.
                    lo = Math.min(in - 1, Math.max(0, (int) Math.floor(center)));
                    n = 1;
                    raw[0] = 1;
                    sum = 1;
                }
                first[k] = lo;
                count[k] = n;
                for (int t = 0; t < n; t++) {
                    weights[k * width + t] = (float) (raw[t] / sum);
                }
            }
            return new Taps(first, count, weights, width);
        }
    }

    /**
     * Resizes {@code src} ({@code srcW x srcH}, {@code channels} interleaved bytes) to
     * {@code dstW x dstH} and returns the window {@code (x0, y0, w, h)} of the result, interleaved.
     * {@code antialias} selects the PIL-style widened filter when shrinking.
     */
    static byte[] resize(byte[] src, int srcW, int srcH, int channels, int dstW, int dstH,
            int x0, int y0, int w, int h, boolean antialias) {
        if (x0 < 0 || y0 < 0 || w <= 0 || h <= 0 || x0 + w > dstW || y0 + h > dstH) {
            throw new IllegalArgumentException("window (" + x0 + "," + y0 + ") " + w + "x" + h
                    + " is outside the " + dstW + "x" + dstH + " result");
        }
        Taps horizontal = Taps.of(srcW, dstW, x0, w, antialias);
        Taps vertical = Taps.of(srcH, dstH, y0, h, antialias);
        int rowFirst = vertical.first()[0];
        int rowEnd = 0;
        for (int k = 0; k < h; k++) {
            rowEnd = Math.max(rowEnd, vertical.first()[k] + vertical.count()[k]);
            rowFirst = Math.min(rowFirst, vertical.first()[k]);
        }
        int rowLength = w * channels;
        float[] rows = new float[(rowEnd - rowFirst) * rowLength];
        for (int y = rowFirst; y < rowEnd; y++) {
            horizontalPass(src, y * srcW * channels, channels, horizontal, rows, (y - rowFirst) * rowLength);
        }
        byte[] out = new byte[h * rowLength];
        float[] acc = new float[rowLength];
        for (int k = 0; k < h; k++) {
            java.util.Arrays.fill(acc, 0f);
            int base = k * vertical.width();
            for (int t = 0; t < vertical.count()[k]; t++) {
                float weight = vertical.weights()[base + t];
                int from = (vertical.first()[k] + t - rowFirst) * rowLength;
                for (int i = 0; i < rowLength; i++) {
                    acc[i] += weight * rows[from + i];
                }
            }
            int to = k * rowLength;
            for (int i = 0; i < rowLength; i++) {
                out[to + i] = toByte(acc[i]);
            }
        }
        return out;
    }

    private static void horizontalPass(byte[] src, int srcRow, int channels, Taps taps, float[] rows, int rowAt) {
        int[] first = taps.first();
        int[] count = taps.count();
        float[] weights = taps.weights();
        int width = taps.width();
        int out = rowAt;
        for (int k = 0; k < first.length; k++) {
            int base = k * width;
            int in = srcRow + first[k] * channels;
            if (channels == 3) {
                float r = 0;
                float g = 0;
                float b = 0;
                for (int t = 0; t < count[k]; t++, in += 3) {
                    float weight = weights[base + t];
                    r += weight * (src[in] & 0xff);
                    g += weight * (src[in + 1] & 0xff);
                    b += weight * (src[in + 2] & 0xff);
                }
                rows[out++] = r;
                rows[out++] = g;
                rows[out++] = b;
            } else {
                for (int c = 0; c < channels; c++) {
                    float sum = 0;
                    for (int t = 0; t < count[k]; t++) {
                        sum += weights[base + t] * (src[in + t * channels + c] & 0xff);
                    }
                    rows[out++] = sum;
                }
            }
        }
    }

    private static byte toByte(float value) {
        int rounded = Math.round(value);
        return (byte) (rounded < 0 ? 0 : Math.min(rounded, 255));
    }
}
