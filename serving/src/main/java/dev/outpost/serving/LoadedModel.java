package dev.outpost.serving;

import dev.outpost.runtime.DType;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.RunControl;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * One loaded model version: its session (owned), its pipeline if one is declared, and its scheduler.
 * Checks requests against the model before they are queued, so that a bad request costs no queue
 * slot and gets a message naming expected and received.
 *
 * <p>Thread-safe. {@link #close()} must follow a completed {@link #drain()}.
 */
final class LoadedModel implements AutoCloseable {

    /** Work for the scheduler: images for the pipeline. */
    private record ImageWork(List<Image> images) {
    }

    /** What must match for two requests to share a model call. */
    private record BatchKey(List<String> inputs, List<String> outputs) {
    }

    private final ModelSource source;
    private final String label;
    private final ModelSession session;
    private final Optional<Pipeline> pipeline;
    private final String pipelineProblem;
    private final ModelScheduler scheduler;
    private final InstantSource clock;
    private final Map<String, TensorSpec> inputs = new LinkedHashMap<>();
    private final List<String> tensorOutputs;
    private final Runnable beforeRun;
    private final ServingMetrics.ModelMetrics metrics;

    LoadedModel(ModelSource source, ModelConfig config, ModelSession session, Optional<Pipeline> pipeline,
                String pipelineProblem, InstantSource clock, TaskTimer timer, ServingMetrics.ModelMetrics metrics,
                Runnable beforeRun, java.util.concurrent.Semaphore inlineCarriers, CoreShare cores, int threadsPerCall) {
        this.source = source;
        this.label = source.name() + "@" + source.version();
        this.session = session;
        this.pipeline = pipeline;
        this.pipelineProblem = pipelineProblem;
        this.clock = clock;
        this.beforeRun = beforeRun;
        this.metrics = metrics;
        session.inputs().forEach(spec -> inputs.put(spec.name(), spec));
        this.tensorOutputs = session.outputs().stream().map(TensorSpec::name).toList();
        this.scheduler = new ModelScheduler(label, config, batchable(session), this::run, clock, timer, metrics,
                inlineCarriers, cores, threadsPerCall);
    }

    /** True when every input and output is numeric with a dynamic first dimension. */
    private static boolean batchable(ModelSession session) {
        return !session.inputs().isEmpty() && session.otherOutputs().isEmpty()
                && session.inputs().stream().allMatch(LoadedModel::dynamicBatch)
                && session.outputs().stream().allMatch(LoadedModel::dynamicBatch);
    }

    private static boolean dynamicBatch(TensorSpec spec) {
        return spec.rank() >= 1 && spec.shape().getFirst() < 0 && spec.type() != DType.STRING;
    }

    ModelSource source() {
        return source;
    }

    ModelSession session() {
        return session;
    }

    boolean batching() {
        return scheduler.batching();
    }

    ModelConfig config() {
        return scheduler.config();
    }

    int threadsPerCall() {
        return scheduler.threadsPerCall();
    }

    Optional<Pipeline> pipeline() {
        return pipeline;
    }

    String pipelineProblem() {
        return pipelineProblem;
    }

    ModelScheduler scheduler() {
        return scheduler;
    }

    /**
     * Checks the request and queues it (or runs it on this thread, when allowed and the model is
     * idle); the future completes with a response the caller closes.
     */
    CompletableFuture<InferenceResponse> infer(InferenceRequest request, boolean mayRunOnCaller) {
        Set<String> outputs = check(request);
        int rows = -1;
        List<String> key = new ArrayList<>();
        for (NamedTensor input : request.inputs()) {
            Tensor tensor = input.tensor();
            if (tensor.type() == DType.STRING || tensor.rank() == 0 || (rows >= 0 && tensor.dim(0) != rows)) {
                key = null;
                break;
            }
            rows = (int) Math.min(Integer.MAX_VALUE, tensor.dim(0));
            long[] shape = tensor.shape();
            key.add(input.name() + ":" + tensor.type() + Arrays.toString(Arrays.copyOfRange(shape, 1, shape.length)));
        }
        BatchKey batchKey = key == null || rows < 1 ? null : new BatchKey(key.stream().sorted().toList(),
                List.copyOf(outputs));
        ModelScheduler.Pending pending = scheduler.submit(request, batchKey == null ? 1 : rows, batchKey,
                mayRunOnCaller, requestedTimeout(request));
        return pending.outcome();
    }

    /**
     * Triton's {@code timeout} request parameter: how long, in microseconds, the request may wait and
     * run (its clients send it as {@code timeout=} of {@code infer}). Empty when not given.
     *
     * @throws ServingException INVALID_REQUEST when it is not a positive whole number
     */
    static Optional<java.time.Duration> requestedTimeout(InferenceRequest request) {
        Object value = request.parameters().get("timeout");
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Long micros) || micros < 1) {
            throw invalid("The 'timeout' parameter must be a positive whole number of microseconds, got " + value);
        }
        return Optional.of(java.time.Duration.of(micros, java.time.temporal.ChronoUnit.MICROS));
    }

    /** Queues images for the model's pipeline. */
    CompletableFuture<PipelineRun> predict(List<Image> images) {
        if (pipeline.isEmpty() || !pipeline.get().acceptsImages()) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "Model " + label
                    + " takes no images: " + pipelineProblem);
        }
        if (images.isEmpty()) {
            throw new ServingException(ServingException.Code.INVALID_REQUEST, "No image in the request; send one "
                    + "JPEG or PNG as the body or as a multipart/form-data file");
        }
        return scheduler.submit(new ImageWork(List.copyOf(images)), 1, null).outcome();
    }

    /** The output names to run; throws INVALID_REQUEST naming expected and received. */
    private Set<String> check(InferenceRequest request) {
        Map<String, NamedTensor> given = new LinkedHashMap<>();
        request.inputs().forEach(input -> given.put(input.name(), input));
        for (NamedTensor input : request.inputs()) {
            TensorSpec spec = inputs.get(input.name());
            if (spec == null) {
                throw invalid("Unknown input '" + input.name() + "' for model " + label + "; its inputs are "
                        + describe(inputs.values()));
            }
            Tensor tensor = input.tensor();
            if (tensor.type() != spec.type()) {
                throw invalid("Input '" + input.name() + "' has datatype " + tensor.type().oipName() + "; model "
                        + label + " expects " + spec.type().oipName());
            }
            if (!spec.accepts(tensor.type(), tensor.shape())) {
                throw invalid("Input '" + input.name() + "' has shape " + Arrays.toString(tensor.shape())
                        + "; model " + label + " expects " + spec.shapeString() + " (-1 or a name: any size)");
            }
        }
        for (TensorSpec spec : inputs.values()) {
            if (!given.containsKey(spec.name())) {
                throw invalid("Missing input '" + spec.name() + "' (" + spec.type().oipName() + spec.shapeString()
                        + ") for model " + label + "; the request has " + given.keySet());
            }
        }
        if (request.outputs().isEmpty()) {
            return new LinkedHashSet<>(tensorOutputs);
        }
        for (String output : request.outputs()) {
            if (!tensorOutputs.contains(output)) {
                throw invalid("Unknown output '" + output + "' for model " + label + "; its outputs are "
                        + tensorOutputs);
            }
        }
        return new LinkedHashSet<>(request.outputs());
    }

    private static String describe(java.util.Collection<TensorSpec> specs) {
        return specs.stream().map(spec -> spec.name() + " " + spec.type().oipName() + spec.shapeString())
                .collect(Collectors.joining(", ", "[", "]"));
    }

    private static ServingException invalid(String message) {
        return new ServingException(ServingException.Code.INVALID_REQUEST, message);
    }

    private void run(List<ModelScheduler.Pending> batch) {
        beforeRun.run();
        if (batch.getFirst().work instanceof ImageWork images) {
            ModelScheduler.Pending pending = batch.getFirst();
            try (RunControl control = cancellableRun(List.of(pending))) {
                PipelineRun run = runGuarded(() -> pipeline.orElseThrow().run(images.images(), control));
                metrics.call(images.images().size(), run.preprocess(), run.inference(), run.postprocess());
                pending.result.complete(run);
            }
            return;
        }
        if (batch.size() > 1) {
            try {
                runBatch(batch);
                return;
            } catch (RuntimeException batchFailure) {
                // Fall through: run each request alone so that each gets its own answer or error.
            }
        }
        for (ModelScheduler.Pending pending : batch) {
            try {
                InferenceResponse response = runOne((InferenceRequest) pending.work, pending);
                if (!pending.result.complete(response)) {
                    response.close();
                }
            } catch (RuntimeException e) {
                pending.result.completeExceptionally(e);
            }
        }
    }

    /**
     * A run control that stops the model call once every request it answers is done without it (timed
     * out, or cancelled by its client): nobody waits for that call any more, and ONNX Runtime stops at
     * its next node instead of computing on for nothing. The caller closes it after the call.
     */
    private RunControl cancellableRun(List<ModelScheduler.Pending> requests) {
        RunControl control = session.newRunControl(label);
        for (ModelScheduler.Pending pending : requests) {
            pending.result.whenComplete((value, error) -> {
                if (error != null && requests.stream().allMatch(each -> each.result.isDone())) {
                    control.cancel();
                }
            });
        }
        return control;
    }

    private InferenceResponse runOne(InferenceRequest request, ModelScheduler.Pending pending) {
        Instant preparing = clock.instant();
        Map<String, Tensor> feed = new LinkedHashMap<>();
        request.inputs().forEach(input -> feed.put(input.name(), input.tensor()));
        Set<String> requested = check(request);
        Instant start = clock.instant();
        Outputs outputs;
        try (RunControl control = cancellableRun(List.of(pending))) {
            outputs = runGuarded(() -> session.run(feed, requested, control));
        }
        Instant ran = clock.instant();
        Duration compute = Duration.between(start, ran);
        List<NamedTensor> named = new ArrayList<>();
        for (String name : outputs.names()) {
            named.add(new NamedTensor(name, outputs.get(name)));
        }
        metrics.call(pending.rows, Duration.between(preparing, start), compute, Duration.between(ran, clock.instant()));
        return new InferenceResponse(request.id(), source.name(), source.version(), named, pending.queueTime(),
                compute, 1, outputs);
    }

    /** Concatenates the requests along dimension 0, runs once and splits the outputs back. */
    private void runBatch(List<ModelScheduler.Pending> batch) {
        List<InferenceRequest> requests = batch.stream().map(pending -> (InferenceRequest) pending.work).toList();
        InferenceRequest first = requests.getFirst();
        long totalRows = batch.stream().mapToLong(pending -> pending.rows).sum();
        Instant joining = clock.instant();
        Map<String, Tensor> feed = new LinkedHashMap<>();
        try {
            for (NamedTensor input : first.inputs()) {
                long[] shape = input.tensor().shape();
                shape[0] = totalRows;
                // A pooled buffer: a fresh direct one per batch (4.8 MB for 8 MobileNet inputs) was zeroed
                // by the JDK and freed only by a garbage collection.
                Tensor joined = TensorBuffers.filledLater(input.tensor().type(), shape,
                        Math.toIntExact(input.tensor().byteCount() / input.tensor().dim(0) * totalRows));
                feed.put(input.name(), joined);
                var buffer = joined.buffer();
                for (InferenceRequest request : requests) {
                    buffer.put(request.inputs().stream().filter(other -> other.name().equals(input.name()))
                            .findFirst().orElseThrow().tensor().buffer());
                }
            }
            runJoined(batch, requests, first, totalRows, feed, joining);
        } finally {
            feed.values().forEach(Tensor::close);
        }
    }

    /** Runs the concatenated inputs once and answers every request with its rows of the outputs. */
    private void runJoined(List<ModelScheduler.Pending> batch, List<InferenceRequest> requests, InferenceRequest first,
            long totalRows, Map<String, Tensor> feed, Instant joining) {
        Set<String> requested = check(first);
        Instant start = clock.instant();
        try (RunControl control = cancellableRun(batch);
             Outputs outputs = runGuarded(() -> session.run(feed, requested, control))) {
            Instant ran = clock.instant();
            Duration compute = Duration.between(start, ran);
            List<List<NamedTensor>> split = new ArrayList<>();
            requests.forEach(request -> split.add(new ArrayList<>()));
            for (String name : outputs.names()) {
                Tensor all = outputs.get(name);
                if (all.rank() == 0 || all.dim(0) != totalRows) {
                    throw new IllegalStateException("Output '" + name + "' has shape " + Arrays.toString(all.shape())
                            + ", not " + totalRows + " rows; cannot split it");
                }
                int rowBytes = (int) (all.byteCount() / totalRows);
                var data = all.buffer();
                int offset = 0;
                for (int i = 0; i < batch.size(); i++) {
                    int rows = batch.get(i).rows;
                    long[] shape = all.shape();
                    shape[0] = rows;
                    Tensor part = copyRows(data.slice(offset, rows * rowBytes), all.type(), shape);
                    offset += rows * rowBytes;
                    split.get(i).add(new NamedTensor(name, part));
                }
            }
            metrics.call((int) Math.min(Integer.MAX_VALUE, totalRows), Duration.between(joining, start), compute,
                    Duration.between(ran, clock.instant()));
            for (int i = 0; i < batch.size(); i++) {
                List<NamedTensor> parts = split.get(i);
                InferenceResponse response = new InferenceResponse(requests.get(i).id(), source.name(),
                        source.version(), parts, batch.get(i).queueTime(), compute, batch.size(),
                        () -> parts.forEach(part -> part.tensor().close()));
                if (!batch.get(i).result.complete(response)) {
                    response.close();
                }
            }
        }
    }

    /**
     * A request's rows of a batch output, copied out of ONNX Runtime's memory (freed when the outputs
     * close): into a pooled buffer, or a fresh tensor above the pool's size (where copyOf would wrap).
     */
    private static Tensor copyRows(java.nio.ByteBuffer rows, DType type, long[] shape) {
        if (rows.remaining() <= TensorBuffers.MAX_POOLED_BYTES) {
            return TensorBuffers.copyOf(rows, type, shape);
        }
        Tensor tensor = Tensor.allocate(type, shape);
        tensor.buffer().put(rows);
        return tensor;
    }

    /** Runs model code, turning runtime exceptions into serving ones (client mistakes: INVALID_REQUEST). */
    private <T> T runGuarded(java.util.function.Supplier<T> call) {
        try {
            return call.get();
        } catch (InferenceException e) {
            ServingException.Code code = switch (e.code()) {
                case UNKNOWN_INPUT, MISSING_INPUT, WRONG_SHAPE, WRONG_TYPE, INVALID_ARGUMENT -> ServingException.Code.INVALID_REQUEST;
                case CANCELLED -> {
                    metrics.stoppedRuns.increment();
                    yield ServingException.Code.TIMEOUT;
                }
                default -> ServingException.Code.INFERENCE_FAILED;
            };
            throw new ServingException(code, e.getMessage(), e);
        } catch (IllegalStateException e) {
            throw new ServingException(ServingException.Code.MODEL_NOT_READY, "Model " + label + " is unloaded: "
                    + e.getMessage(), e);
        }
    }

    /** Stops accepting requests; completes when queued and running ones are done. */
    CompletableFuture<Void> drain() {
        return scheduler.drain();
    }

    /** Stops the workers and closes the session. Idempotent. */
    @Override
    public void close() {
        scheduler.close();
        session.close();
    }
}
