package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The byte marshaller ModelInfer reads with: every byte, whatever the stream claims is available. */
class GrpcBytesMarshallerTest {

    private static byte[] bytes(int count) {
        byte[] data = new byte[count];
        new Random(3).nextBytes(data);
        return data;
    }

    /** A stream that reports {@code available} bytes whatever it holds, as a stream of unknown length may. */
    private static FilterInputStream claiming(byte[] data, int available) {
        return new FilterInputStream(new ByteArrayInputStream(data)) {
            @Override
            public int available() {
                return available;
            }
        };
    }

    @Test
    void exactLength_fewerAvailable_andNoneAvailable_allReadEveryByte() {
        byte[] data = bytes(100_000);
        assertThat(GrpcInferenceService.BYTES.parse(new ByteArrayInputStream(data))).isEqualTo(data);
        assertThat(GrpcInferenceService.BYTES.parse(claiming(data, 40_000))).isEqualTo(data);
        assertThat(GrpcInferenceService.BYTES.parse(claiming(data, 0))).isEqualTo(data);
        assertThat(GrpcInferenceService.BYTES.parse(claiming(new byte[0], 0))).isEmpty();
    }
}
