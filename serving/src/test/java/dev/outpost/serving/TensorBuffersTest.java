package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** The request-tensor buffer pool: copies, gives buffers back on close, reuses them. */
class TensorBuffersTest {

    private static ByteBuffer floats(float... values) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putFloat(value);
        }
        return bytes.flip();
    }

    @Test
    void copyOf_holdsTheBytes_andClosingGivesTheBufferBackForTheNextTensor() {
        long during;
        try (Tensor tensor = TensorBuffers.copyOf(floats(1.5f, -2f, 3.25f), DType.FLOAT32, new long[] {1, 3})) {
            assertThat(tensor.toFloatArray()).containsExactly(1.5f, -2f, 3.25f);
            assertThat(tensor.buffer().isDirect()).isTrue();
            during = TensorBuffers.cachedBytes();
        }
        assertThat(TensorBuffers.cachedBytes()).as("its 4 KiB buffer is idle again").isEqualTo(during + 4096);
        try (Tensor again = TensorBuffers.copyOf(floats(7f, 8f), DType.FLOAT32, new long[] {2})) {
            assertThat(again.toFloatArray()).containsExactly(7f, 8f);
            assertThat(TensorBuffers.cachedBytes()).as("the idle buffer was taken again").isEqualTo(during);
        }
    }

    @Test
    void acquire_roundsUpToAPowerOfTwo_andLimitsToTheRequest() {
        ByteBuffer buffer = TensorBuffers.acquire(602_112);
        try {
            assertThat(buffer.capacity()).isEqualTo(1 << 20);
            assertThat(buffer.limit()).isEqualTo(602_112);
            assertThat(buffer.order()).isEqualTo(ByteOrder.nativeOrder());
        } finally {
            TensorBuffers.release(buffer);
        }
        ByteBuffer reused = TensorBuffers.acquire(700_000);
        try {
            assertThat(reused).as("same size class: the idle buffer").isSameAs(buffer);
            assertThat(reused.position()).isZero();
            assertThat(reused.limit()).isEqualTo(700_000);
        } finally {
            TensorBuffers.release(reused);
        }
    }

    @Test
    void aShapeTheBytesDoNotFit_isRefused_andTheBufferReturns() {
        long before = TensorBuffers.cachedBytes();
        assertThatThrownBy(() -> TensorBuffers.copyOf(floats(1f, 2f), DType.FLOAT32, new long[] {3}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 12");
        assertThat(TensorBuffers.cachedBytes()).isGreaterThanOrEqualTo(before);
    }
}
