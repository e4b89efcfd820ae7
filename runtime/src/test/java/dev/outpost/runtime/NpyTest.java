package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NpyTest {

    @Test
    void writeThenRead_keepsTypeShapeAndValues(@TempDir Path dir) {
        Path file = dir.resolve("x.npy");
        try (Tensor original = Tensor.of(new float[] {1.5f, -2f, 3.25f, 0f, 7f, 8f}, 2, 3)) {
            Npy.write(original, file);
        }
        try (Tensor back = Npy.read(file)) {
            assertThat(back.type()).isEqualTo(DType.FLOAT32);
            assertThat(back.shape()).containsExactly(2, 3);
            assertThat(back.toFloatArray()).containsExactly(1.5f, -2f, 3.25f, 0f, 7f, 8f);
        }
    }

    @Test
    void write_producesTheHeaderNumpyWrites() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (Tensor tensor = Tensor.of(new long[] {1, 2, 3}, 3)) {
            Npy.write(tensor, out);
        }
        byte[] bytes = out.toByteArray();
        String header = new String(bytes, 10, bytes.length - 10 - 24, StandardCharsets.ISO_8859_1);
        assertThat(header).startsWith("{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }").endsWith("\n");
        assertThat((10 + header.length()) % 64).as("data starts 64-byte aligned").isZero();
    }

    @Test
    void read_bigEndianFloats() throws IOException {
        byte[] file = npy("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.25f).putFloat(-3f).array());
        try (Tensor tensor = Npy.read(new ByteArrayInputStream(file), "be.npy")) {
            assertThat(tensor.toFloatArray()).containsExactly(1.25f, -3f);
        }
    }

    @Test
    void read_scalarAndUint8() throws IOException {
        byte[] file = npy("{'descr': '|u1', 'fortran_order': False, 'shape': (), }", new byte[] {(byte) 200});
        try (Tensor tensor = Npy.read(new ByteArrayInputStream(file), "s.npy")) {
            assertThat(tensor.type()).isEqualTo(DType.UINT8);
            assertThat(tensor.shape()).isEmpty();
            assertThat(tensor.getFloat(0)).isEqualTo(200f);
        }
    }

    @Test
    void read_rejectsAFileThatIsNotNpy(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("image.npy");
        Files.write(file, new byte[] {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0, 0, 0, 0, 0});
        assertThatThrownBy(() -> Npy.read(file))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("is not a NumPy .npy file")
                .hasMessageContaining("0xffd8ffe0");
    }

    @Test
    void read_rejectsShortData() {
        byte[] file = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", new byte[8]);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(file), "short.npy"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("holds 8 data bytes")
                .hasMessageContaining("needs 16");
    }

    @Test
    void read_rejectsAHeaderShapeBeyondTheTensorLimit_asInvalidArgument() {
        byte[] huge = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }", new byte[8]);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(huge), "huge.npy"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("INVALID_ARGUMENT")
                .hasMessageContaining("huge.npy")
                .hasMessageContaining("[100000, 100000]")
                .hasMessageContaining("2 GiB");
        byte[] overflowing = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }",
                new byte[8]);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(overflowing), "overflow.npy"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("overflow.npy");
    }

    @Test
    void read_rejectsFortranOrderAndUnknownDtype() {
        byte[] fortran = npy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", new byte[4]);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(fortran), "f.npy"))
                .hasMessageContaining("Fortran order");
        byte[] complex = npy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);
        assertThatThrownBy(() -> Npy.read(new ByteArrayInputStream(complex), "c.npy"))
                .hasMessageContaining("dtype '<c8'");
    }

    private static byte[] npy(String dict, byte[] data) {
        String header = dict + "\n";
        ByteBuffer out = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        out.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.putShort((short) header.length());
        out.put(header.getBytes(StandardCharsets.ISO_8859_1));
        out.put(data);
        return out.array();
    }
}
