package dev.outpost.serving;

import java.util.Objects;

/**
 * Where and how the REST and gRPC servers listen.
 *
 * <p>Immutable and thread-safe.
 *
 * @param host the address to bind ({@code 127.0.0.1} keeps the API on the device)
 * @param port the port; 0 picks a free one ({@link InferenceServer#port()} tells which)
 * @param maxRequestBytes the largest request body (REST) or message (gRPC) accepted; larger ones get
 *     413 / RESOURCE_EXHAUSTED
 * @param grpcPort the gRPC port; 0 picks a free one ({@link InferenceServer#grpcPort()} tells which),
 *     {@link #GRPC_OFF} serves no gRPC
 */
public record ServerConfig(String host, int port, long maxRequestBytes, int grpcPort) {

    /** The {@code grpcPort} that turns gRPC off. */
    public static final int GRPC_OFF = -1;

    /** Validates: a non-blank host, ports in 0..65535 (gRPC may be {@link #GRPC_OFF}), a positive size limit below 2 GiB. */
    public ServerConfig {
        if (grpcPort < GRPC_OFF || grpcPort > 65535) {
            throw new IllegalArgumentException("grpcPort must be within 0..65535 or " + GRPC_OFF + " (off), got "
                    + grpcPort);
        }
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

    /** REST only: like the canonical constructor with gRPC {@link #GRPC_OFF}. */
    public ServerConfig(String host, int port, long maxRequestBytes) {
        this(host, port, maxRequestBytes, GRPC_OFF);
    }

    /** REST on 127.0.0.1:8000 with a 64 MiB request limit, gRPC off ({@link #withGrpcPort} turns it on). */
    public static ServerConfig defaults() {
        return new ServerConfig("127.0.0.1", 8000, 64L << 20, GRPC_OFF);
    }

    /** This config with REST on another port. */
    public ServerConfig withPort(int newPort) {
        return new ServerConfig(host, newPort, maxRequestBytes, grpcPort);
    }

    /** This config with gRPC on another port (0: a free one; {@link #GRPC_OFF}: no gRPC). */
    public ServerConfig withGrpcPort(int newGrpcPort) {
        return new ServerConfig(host, port, maxRequestBytes, newGrpcPort);
    }

    /** This config with another request size limit. */
    public ServerConfig withMaxRequestBytes(long bytes) {
        return new ServerConfig(host, port, bytes, grpcPort);
    }
}
