package dev.outpost.serving;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Direct buffers for request tensors, reused across requests. A fresh direct buffer per request is
 * the expensive part of decoding a large tensor: {@code ByteBuffer.allocateDirect} zeroes memory that
 * the C allocator has just mapped (a page fault per 4 KiB), and it is freed only when a garbage
 * collection finds the buffer. Measured on the 2-vCPU VM: 0.6 to 1.0 ms to decode squeezenet's
 * 602,112-byte input with a fresh buffer each time, for 0.06 ms of copying.
 *
 * <p>Buffers come in power-of-two size classes from 4 KiB; at most {@link #MAX_CACHED_BYTES} are kept
 * idle, and a tensor above {@link #MAX_POOLED_BYTES} gets a buffer of its own. A tensor from
 * {@link #copyOf} returns its buffer to the pool on close.
 *
 * <p>Thread-safe; process-wide (it holds only idle buffers, which the garbage collector frees when the
 * class is unloaded, and never more than its bound).
 */
final class TensorBuffers {

    /** Idle bytes kept for reuse at most. */
    static final long MAX_CACHED_BYTES = 256L << 20;
    /** Larger tensors are not pooled. */
    static final int MAX_POOLED_BYTES = 64 << 20;
    private static final int MIN_CLASS = 12;
    private static final int CLASSES = 31 - MIN_CLASS;

    @SuppressWarnings("unchecked")
    private static final ConcurrentLinkedDeque<ByteBuffer>[] IDLE = new ConcurrentLinkedDeque[CLASSES];
    private static final AtomicLong CACHED = new AtomicLong();

    static {
        for (int i = 0; i < CLASSES; i++) {
            IDLE[i] = new ConcurrentLinkedDeque<>();
        }
    }

    private TensorBuffers() {
    }

    /**
     * A numeric tensor holding a copy of the bytes between {@code data}'s position and limit, in a
     * pooled direct buffer; closing the tensor gives the buffer back.
     *
     * @throws IllegalArgumentException when the bytes do not fit the type and shape
     */
    static Tensor copyOf(ByteBuffer data, DType type, long[] shape) {
        int bytes = data.remaining();
        if (bytes > MAX_POOLED_BYTES) {
            return Tensor.wrap(data, type, shape);
        }
        ByteBuffer buffer = acquire(bytes);
        buffer.put(data.duplicate()).flip();
        try {
            return Tensor.wrap(buffer, type, shape, () -> release(buffer));
        } catch (RuntimeException e) {
            release(buffer);
            throw e;
        }
    }

    /**
     * A numeric tensor of {@code shape} over a pooled direct buffer whose contents are left as they are
     * (the caller fills every byte, as a batch's concatenated inputs do); closing it gives the buffer
     * back. Above {@link #MAX_POOLED_BYTES}, a fresh tensor.
     */
    static Tensor filledLater(DType type, long[] shape, int bytes) {
        if (bytes > MAX_POOLED_BYTES) {
            return Tensor.allocate(type, shape);
        }
        ByteBuffer buffer = acquire(bytes);
        try {
            return Tensor.wrap(buffer, type, shape, () -> release(buffer));
        } catch (RuntimeException e) {
            release(buffer);
            throw e;
        }
    }

    /** A cleared direct buffer in native order with exactly {@code bytes} of room (its limit). */
    static ByteBuffer acquire(int bytes) {
        int sizeClass = sizeClass(bytes);
        ByteBuffer buffer = IDLE[sizeClass].pollFirst();
        if (buffer == null) {
            buffer = ByteBuffer.allocateDirect(1 << (sizeClass + MIN_CLASS)).order(ByteOrder.nativeOrder());
        } else {
            CACHED.addAndGet(-buffer.capacity());
        }
        return buffer.clear().limit(bytes);
    }

    /** Gives a buffer from {@link #acquire} back; dropped when the pool holds its bound already. */
    static void release(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        if (CACHED.addAndGet(capacity) > MAX_CACHED_BYTES) {
            CACHED.addAndGet(-capacity);
            return;
        }
        IDLE[sizeClass(capacity)].addFirst(buffer);
    }

    /** Idle bytes held now (tests). */
    static long cachedBytes() {
        return CACHED.get();
    }

    private static int sizeClass(int bytes) {
        int bits = 32 - Integer.numberOfLeadingZeros(Math.max(1, bytes) - 1);
        return Math.max(0, bits - MIN_CLASS);
    }
}
