package dev.outpost.serving;

import io.helidon.http.HeaderNames;
import io.helidon.http.WritableHeaders;
import io.helidon.http.encoding.ContentDecoder;
import io.helidon.http.encoding.ContentEncoder;
import io.helidon.http.encoding.ContentEncoding;
import io.helidon.http.encoding.ContentEncodingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.util.zip.InflaterInputStream;

/**
 * The HTTP content codings Triton's HTTP client uses: {@code infer(..., request_compression_algorithm=
 * "gzip" | "deflate")} compresses the request body and says so in {@code Content-Encoding};
 * {@code response_compression_algorithm} asks for a compressed answer through {@code Accept-Encoding}.
 * "deflate" is HTTP's: zlib-wrapped (RFC 1950), which is what Python's {@code zlib.compress} writes.
 *
 * <p>Helidon's own gzip and deflate modules are not in the Maven mirror this project builds from, so
 * these two plug into its {@link ContentEncoding} service interface on java.util.zip. Helidon then
 * decodes request bodies before a handler reads them (the handler bounds what it reads, so a small
 * compressed body cannot expand past the request size limit) and encodes answers for clients that
 * accept a coding. Answers are compressed at {@link Deflater#BEST_SPEED}: tensors compress little, and
 * the time is the client's latency. Stateless.
 */
final class HttpCompression {

    private static final Coding GZIP = Coding.of("gzip", "gzip", "x-gzip");
    private static final Coding DEFLATE = Coding.of("deflate", "deflate");

    /** The request codings decoded, lower case. */
    static final List<String> CODINGS = java.util.stream.Stream.of(GZIP, DEFLATE)
            .flatMap(coding -> coding.names().stream()).toList();

    private HttpCompression() {
    }

    /** Helidon's encoding context with gzip and deflate (identity is always there). */
    static ContentEncodingContext context() {
        return ContentEncodingContext.builder()
                .contentEncodingsDiscoverServices(false)
                .contentEncodings(List.of(GZIP, DEFLATE))
                .build();
    }

    /** True when a request's Content-Encoding names a coding other than identity. */
    static boolean encoded(String contentEncoding) {
        return contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.trim().equalsIgnoreCase("identity");
    }

    /** A coding under its lower-case names, and the names Helidon looks it up by. */
    private record Coding(String name, List<String> names, Set<String> ids) implements ContentEncoding {

        /** Helidon looks codings up by exact name; HTTP's are case-insensitive, so both cases are listed. */
        static Coding of(String name, String... names) {
            Set<String> ids = new java.util.HashSet<>();
            for (String each : names) {
                ids.add(each);
                ids.add(each.toUpperCase(java.util.Locale.ROOT));
            }
            return new Coding(name, List.of(names), Set.copyOf(ids));
        }

        @Override
        public String type() {
            return name;
        }

        @Override
        public boolean supportsEncoding() {
            return true;
        }

        @Override
        public boolean supportsDecoding() {
            return true;
        }

        @Override
        public ContentDecoder decoder() {
            return in -> {
                try {
                    return name.equals("gzip") ? new GZIPInputStream(in, 64 * 1024) : new InflaterInputStream(in);
                } catch (IOException e) {
                    // GZIPInputStream reads the header at once: a body that is not gzip fails here. The
                    // handler names the coding when it answers.
                    throw new UncheckedIOException(e);
                }
            };
        }

        @Override
        public ContentEncoder encoder() {
            return new ContentEncoder() {
                @Override
                public OutputStream apply(OutputStream out) {
                    try {
                        return name.equals("gzip") ? new GZIPOutputStream(out, 64 * 1024) {
                            {
                                def.setLevel(Deflater.BEST_SPEED);
                            }
                        } : new DeflaterOutputStream(out, new Deflater(Deflater.BEST_SPEED), 64 * 1024) {
                            @Override
                            public void close() throws IOException {
                                try {
                                    super.close();
                                } finally {
                                    def.end();
                                }
                            }
                        };
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void headers(WritableHeaders<?> headers) {
                    headers.set(HeaderNames.CONTENT_ENCODING, name);
                    headers.remove(HeaderNames.CONTENT_LENGTH);
                }
            };
        }
    }
}
