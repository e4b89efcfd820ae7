package dev.outpost.runtime;

import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;

/**
 * Package-private: one output of fixed shape that ONNX Runtime writes straight into a direct buffer
 * of ours (the "pinned output" {@code run} overload), saving the allocation in ONNX Runtime and the
 * copy out of it. Buffers come back to a small pool when the {@link Tensor} wrapping them is closed;
 * buffers of outputs never closed are left to the garbage collector. Thread-safe.
 */
final class PinnedOutput {

    /** Buffers kept for reuse per output; more concurrent runs simply allocate. */
    private static final int POOL_SIZE = 8;

    private final TensorSpec spec;
    private final OnnxJavaType javaType;
    private final long[] shape;
    private final int bytes;
    private final ArrayBlockingQueue<ByteBuffer> free = new ArrayBlockingQueue<>(POOL_SIZE);

    private PinnedOutput(TensorSpec spec, OnnxJavaType javaType, int bytes) {
        this.spec = spec;
        this.javaType = javaType;
        this.shape = spec.shapeArray();
        this.bytes = bytes;
    }

    /** A pinned slot for {@code spec}, when its shape is fully static and ORT's Java API can create its type. */
    static Optional<PinnedOutput> of(TensorSpec spec) {
        if (!spec.isStatic() || spec.type() == DType.STRING) {
            return Optional.empty();
        }
        long bytes = Tensor.byteCount(spec.type(), spec.shapeArray());
        if (bytes == 0 || bytes > Tensor.MAX_BYTES) {
            return Optional.empty();
        }
        return OrtTypes.javaTypeOf(spec.type()).map(type -> new PinnedOutput(spec, type, (int) bytes));
    }

    /** A buffer from the pool, or a new one. */
    ByteBuffer take() {
        ByteBuffer buffer = free.poll();
        return buffer != null ? buffer : ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** Returns a buffer to the pool (dropped when the pool is full). */
    void give(ByteBuffer buffer) {
        free.offer(buffer.clear());
    }

    /** An ORT tensor over {@code buffer} (no copy); closing it leaves the buffer alone. */
    OnnxTensor forOrt(OrtEnvironment environment, ByteBuffer buffer) throws OrtException {
        return OnnxTensor.createTensor(environment, buffer, shape, javaType);
    }

    /** Our tensor over {@code buffer}, handing the buffer back to the pool when closed. */
    Tensor toTensor(ByteBuffer buffer) {
        return Tensor.wrap(buffer, spec.type(), shape, () -> give(buffer));
    }
}
