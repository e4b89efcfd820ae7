package dev.outpost.serving;

import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The answer to an {@link InferenceRequest}: the outputs in the order requested, and where the time
 * went.
 *
 * <p>Ownership: the caller owns the response and closes it after reading (or writing) the outputs;
 * closing releases the output tensors. Close is idempotent. Reading from several threads is safe;
 * closing while another thread reads is not.
 */
public final class InferenceResponse implements AutoCloseable {

    private final String id;
    private final String model;
    private final String version;
    private final List<NamedTensor> outputs;
    private final Duration queueTime;
    private final Duration computeTime;
    private final int batchSize;
    private final AutoCloseable resources;
    private final AtomicBoolean closed = new AtomicBoolean();

    InferenceResponse(String id, String model, String version, List<NamedTensor> outputs, Duration queueTime,
                      Duration computeTime, int batchSize, AutoCloseable resources) {
        this.id = Objects.requireNonNull(id, "id");
        this.model = model;
        this.version = version;
        this.outputs = List.copyOf(outputs);
        this.queueTime = queueTime;
        this.computeTime = computeTime;
        this.batchSize = batchSize;
        this.resources = resources;
    }

    /** The request's id (empty when it had none). */
    public String id() {
        return id;
    }

    /** The model that answered. */
    public String model() {
        return model;
    }

    /** The version that answered. */
    public String version() {
        return version;
    }

    /**
     * The output tensors, in the order requested (model order when all were requested).
     *
     * @throws IllegalStateException after close
     */
    public List<NamedTensor> outputs() {
        if (closed.get()) {
            throw new IllegalStateException("InferenceResponse of model " + model + " is closed");
        }
        return outputs;
    }

    /** Time spent waiting in the model's queue. */
    public Duration queueTime() {
        return queueTime;
    }

    /** Time spent running the model (for the whole batch this request ran in). */
    public Duration computeTime() {
        return computeTime;
    }

    /** How many requests ran together in the model call that answered this one (1 without batching). */
    public int batchSize() {
        return batchSize;
    }

    /** Releases the output tensors. Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        try {
            resources.close();
        } catch (Exception e) {
            throw new IllegalStateException("Closing the outputs of model " + model + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "InferenceResponse[" + model + "@" + version + ", " + outputs.size() + " outputs, batch " + batchSize + "]";
    }
}
