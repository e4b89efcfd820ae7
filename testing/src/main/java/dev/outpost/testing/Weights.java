package dev.outpost.testing;

import java.util.Random;

/** Seeded random weights for hand-built graphs. Stateless and thread-safe. */
final class Weights {

    private Weights() {
    }

    static float[] gaussian(long seed, int count, double std) {
        Random random = new Random(seed);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * std);
        }
        return values;
    }
}
