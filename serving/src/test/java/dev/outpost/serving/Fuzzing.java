package dev.outpost.serving;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

/** Random choices and byte mutations shared by {@link RestFuzzer} and {@link GrpcFuzzer}. Stateless. */
final class Fuzzing {

    private Fuzzing() {
    }

    /** One of the values, each as likely. */
    static <T> T pick(Random random, List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** Makes something with one of the makers, each as likely as its weight. */
    static <T> T weighted(Random random, List<Map.Entry<Integer, Function<Random, T>>> makers) {
        int roll = random.nextInt(makers.stream().mapToInt(Map.Entry::getKey).sum());
        for (Map.Entry<Integer, Function<Random, T>> maker : makers) {
            roll -= maker.getKey();
            if (roll < 0) {
                return maker.getValue().apply(random);
            }
        }
        throw new IllegalStateException("weights must be positive: " + makers);
    }

    /** Applies one to three of the named mutations to {@code target}; their names joined by {@code +}. */
    static <T> String mutate(Random random, List<Map.Entry<String, BiConsumer<Random, T>>> mutations, T target) {
        int count = 1 + random.nextInt(3);
        List<String> applied = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Map.Entry<String, BiConsumer<Random, T>> mutation = pick(random, mutations);
            mutation.getValue().accept(random, target);
            applied.add(mutation.getKey());
        }
        return String.join("+", applied);
    }

    /** Bytes after {@link #damage}, and how they were damaged. */
    record Damaged(String how, byte[] bytes) {
    }

    /** The data truncated, with bits flipped (twice as likely), or replaced by random bytes. */
    static Damaged damage(Random random, byte[] data) {
        return switch (random.nextInt(4)) {
            case 0 -> new Damaged("truncated", Arrays.copyOf(data, random.nextInt(data.length + 1)));
            case 1, 2 -> new Damaged("bit-flips", flipBits(random, data));
            default -> new Damaged("random", randomBytes(random, random.nextInt(Math.max(16, data.length))));
        };
    }

    /** A copy with one to eight bits flipped (an empty array stays empty). */
    static byte[] flipBits(Random random, byte[] data) {
        byte[] copy = data.clone();
        int flips = copy.length == 0 ? 0 : 1 + random.nextInt(8);
        for (int i = 0; i < flips; i++) {
            copy[random.nextInt(copy.length)] ^= (byte) (1 << random.nextInt(8));
        }
        return copy;
    }

    static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
