package dev.outpost.serving;

import io.grpc.Codec;
import io.grpc.CompressorRegistry;
import io.grpc.DecompressorRegistry;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The gRPC message codings Triton's gRPC client offers ({@code infer(..., compression_algorithm="gzip" |
 * "deflate")}). grpc-java decodes gzip and identity by itself; "deflate" (zlib-wrapped, as gRPC's
 * compression spec takes it from HTTP) is added here. grpc-java applies the maximum message size to
 * the decompressed bytes, so a small compressed message cannot expand past the request size limit.
 * Stateless.
 */
final class GrpcCompression {

    private GrpcCompression() {
    }

    /** gzip, deflate and identity. */
    static DecompressorRegistry decompressors() {
        return DecompressorRegistry.getDefaultInstance().with(Deflate.INSTANCE, true);
    }

    /** gzip, deflate and identity, for clients (tests) and for answers a service chooses to compress. */
    static CompressorRegistry compressors() {
        CompressorRegistry registry = CompressorRegistry.newEmptyInstance();
        registry.register(new Codec.Gzip());
        registry.register(Codec.Identity.NONE);
        registry.register(Deflate.INSTANCE);
        return registry;
    }

    /** zlib-format deflate. */
    static final class Deflate implements Codec {

        static final Deflate INSTANCE = new Deflate();

        @Override
        public String getMessageEncoding() {
            return "deflate";
        }

        @Override
        public OutputStream compress(OutputStream os) {
            return new DeflaterOutputStream(os);
        }

        @Override
        public InputStream decompress(InputStream is) {
            return new InflaterInputStream(is);
        }
    }
}
