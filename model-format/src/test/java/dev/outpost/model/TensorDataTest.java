package dev.outpost.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorDataTest {

    @Test
    void accessors_widenTheTypesTheyPromise() {
        TensorData bytes = TensorData.ofBytes(ElementType.UINT8, new byte[] {(byte) 200, 7}, 2);

        assertThat(bytes.longs()).containsExactly(200, 7);
        assertThat(bytes.ints()).containsExactly(200, 7);
        assertThat(TensorData.ofRaw(ElementType.UINT32, new byte[] {-1, -1, -1, -1}, 1).longs())
                .containsExactly(0xffffffffL);
    }

    @Test
    void longsAndInts_refuseNonIntegerTypes_evenWhenTheTensorIsEmpty() {
        TensorData empty = TensorData.ofFloats(new float[0], 0);

        assertThatThrownBy(empty::longs).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("INVALID_MODEL: longs() needs int64").hasMessageContaining("the tensor is float [0]");
        assertThatThrownBy(empty::ints).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("ints() needs int32").hasMessageContaining("the tensor is float [0]");
    }

    @Test
    void ints_ofAPackedOrComplexType_namesIntsInTheMessage() {
        TensorData int4 = TensorData.ofRaw(ElementType.INT4, new byte[] {0x21}, 2);
        TensorData complex = TensorData.ofRaw(ElementType.COMPLEX64, new byte[8], 1);

        assertThatThrownBy(int4::ints).hasMessageContaining("ints() needs").hasMessageContaining("the tensor is int4 [2]");
        assertThatThrownBy(int4::longs).hasMessageContaining("longs() needs").hasMessageContaining("the tensor is int4 [2]");
        assertThatThrownBy(complex::ints).hasMessageContaining("ints() needs").hasMessageContaining("complex64");
    }
}
