package dev.outpost.cli;

import dev.outpost.benchmark.BenchmarkException;
import dev.outpost.benchmark.Sut;
import dev.outpost.serving.NamedTensor;
import dev.outpost.serving.OipClient;
import dev.outpost.serving.ServingException;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * A server seen as a system under test: each query is one Open Inference Protocol request. Every
 * load thread gets its own {@link OipClient} (its own connection), as separate clients would; the
 * request is encoded once per thread, so the client's cost per query is a socket write and read.
 *
 * <p>Thread-safe. Owns its clients; {@link #close()} closes them all and is idempotent.
 */
final class OipSut implements Sut, AutoCloseable {

    private record Connection(OipClient client, OipClient.Request request) {
    }

    private final OipClient.Protocol protocol;
    private final String host;
    private final int port;
    private final String model;
    private final String version;
    private final List<NamedTensor> inputs;
    private final Queue<OipClient> opened = new ConcurrentLinkedQueue<>();
    private final ThreadLocal<Connection> connection = new ThreadLocal<>();
    private volatile boolean closed;

    /** @param inputs the request's tensors; they must stay open while the SUT is used */
    OipSut(OipClient.Protocol protocol, String host, int port, String model, String version, List<NamedTensor> inputs) {
        this.protocol = protocol;
        this.host = host;
        this.port = port;
        this.model = model;
        this.version = version;
        this.inputs = List.copyOf(inputs);
    }

    /**
     * Sends the request once and waits for the answer.
     *
     * @throws BenchmarkException SUT_FAILURE when the server answers with an error or cannot be reached
     */
    @Override
    public void issue(int samples) {
        Connection current = connection.get();
        if (current == null) {
            if (closed) {
                throw new IllegalStateException("OipSut is closed");
            }
            OipClient client = OipClient.connect(protocol, host, port, Duration.ofSeconds(60));
            opened.add(client);
            current = new Connection(client, client.prepare(model, version, inputs));
            connection.set(current);
        }
        OipClient.Reply reply;
        try {
            reply = current.client().send(current.request());
        } catch (ServingException e) {
            throw new BenchmarkException(BenchmarkException.Code.SUT_FAILURE, e.getMessage(), e);
        }
        if (!reply.ok()) {
            throw new BenchmarkException(BenchmarkException.Code.SUT_FAILURE, "The server answered " + reply.status()
                    + " (" + protocol.label() + ") to a request for " + model + ": " + reply.error());
        }
    }

    @Override
    public void close() {
        closed = true;
        for (OipClient client = opened.poll(); client != null; client = opened.poll()) {
            client.close();
        }
    }
}
