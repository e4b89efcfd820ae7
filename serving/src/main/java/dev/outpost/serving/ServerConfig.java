package dev.outpost.serving;

import java.util.Objects;

/**
 * Where and how the REST server listens.
 *
 * <p>Immutable and thread-safe.
 *
 * @param host the address to bind ({@code 127.0.0.1} keeps the API on the device)
 * @param port the port; 0 picks a free one ({@link InferenceServer#port()} tells which)
 * @param maxRequestBytes the largest request body accepted; larger ones get 413
 */
public record ServerConfig(String host, int port, long maxRequestBytes) {

    /** Validates: a non-blank host, a port in 0..65535, a positive size limit below 2 GiB. */
    public ServerConfig {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be within 0..65535, got " + port);
        }
        if (maxRequestBytes < 1 || maxRequestBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("maxRequestBytes must be within 1.." + (Integer.MAX_VALUE - 8)
                    + ", got " + maxRequestBytes);
        }
    }

    /** 127.0.0.1:8000 with a 64 MiB request limit. */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, 64L << 20);
    }

    /** This config on another port. */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxRequestBytes);
    }

    /** This config with another request size limit. */
    public ServerConfig withMaxRequestBytes(long bytes) {
        return new ServerConfig(host, port, bytes);
    }
}
