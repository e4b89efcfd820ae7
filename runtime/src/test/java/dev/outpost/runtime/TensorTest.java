package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/** Shapes whose element or byte count does not fit a long are refused, never wrapped around. */
class TensorTest {

    @Test
    void allocate_rejectsShapeWhoseByteCountOverflows() {
        // 2^62 floats are 2^64 bytes, which wraps to 0 in a long: this must not become an empty buffer.
        assertThatThrownBy(() -> Tensor.allocate(DType.FLOAT32, 1L << 62, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[4611686018427387904, 1]").hasMessageContaining("2 GiB");
        assertThatThrownBy(() -> Tensor.allocate(DType.FLOAT64, (1L << 60) + 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 GiB");
    }

    @Test
    void allocate_rejectsShapeWhoseElementCountOverflows() {
        assertThatThrownBy(() -> Tensor.allocate(DType.UINT8, 1L << 40, 1L << 40))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1099511627776, 1099511627776]");
        assertThatThrownBy(() -> Tensor.ofStrings(new String[] {"a"}, 1L << 40, 1L << 40))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[1099511627776, 1099511627776]");
    }

    @Test
    void wrap_rejectsEmptyBufferForAShapeWhoseByteCountWrapsToZero() {
        ByteBuffer empty = ByteBuffer.allocateDirect(0).order(ByteOrder.nativeOrder());
        assertThatThrownBy(() -> Tensor.wrap(empty, DType.FLOAT32, 1L << 62))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 GiB");
    }

    @Test
    void allocate_acceptsEmptyAndOrdinaryShapes() {
        try (Tensor empty = Tensor.allocate(DType.FLOAT32, 0, 1L << 62);
             Tensor image = Tensor.allocate(DType.FLOAT16, 1, 3, 224, 224)) {
            assertThat(empty.byteCount()).isZero();
            assertThat(empty.elementCount()).isZero();
            assertThat(image.byteCount()).isEqualTo(2 * 3 * 224 * 224);
        }
    }

    @Test
    void pinnedOutput_isNotOfferedForDeclaredShapesWhoseByteCountOverflows() {
        assertThat(PinnedOutput.of(TensorSpec.of("y", DType.FLOAT32, (1L << 61) + 1))).isEmpty();
        assertThat(PinnedOutput.of(TensorSpec.of("y", DType.FLOAT32, 1L << 40, 1L << 40))).isEmpty();
        assertThat(PinnedOutput.of(TensorSpec.of("y", DType.FLOAT32, 1, 1000))).isPresent();
    }
}
