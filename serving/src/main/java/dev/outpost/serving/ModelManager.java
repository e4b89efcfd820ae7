package dev.outpost.serving;

import dev.outpost.runtime.ClassificationSpec;
import dev.outpost.runtime.DetectionSpec;
import dev.outpost.runtime.Image;
import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.InferenceException;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Pipeline;
import dev.outpost.runtime.PipelineRun;
import dev.outpost.runtime.PipelineSpec;
import dev.outpost.runtime.SessionConfig;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Loads, serves and unloads the models of a {@link ModelRepository}. A model version that fails to
 * load is kept as {@link ModelState#FAILED} with the reason; the others keep serving. Requests are
 * checked against the model, then queued on the version's scheduler (see {@link ModelConfig}).
 *
 * <pre>{@code
 * try (ModelManager models = ModelManager.create(ModelRepository.of(dir), ServingConfig.defaults())) {
 *     models.loadAll();
 *     try (InferenceResponse response = models.infer(request).join()) { ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe: requests may come from any number of threads; loads and unloads are serialized.
 * The manager owns the inference engine, the sessions and the scheduler threads; {@link #close()}
 * refuses new requests, drains queued and running ones (up to the drain timeout), then closes
 * the sessions. Close is idempotent.
 */
public final class ModelManager implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(ModelManager.class.getName());

    /** One version's state; replaced as a whole on every transition. */
    private record Entry(ModelSource source, ModelState state, String reason, Duration loadTime,
                         Optional<LoadedModel> loaded) {
    }

    private final ModelRepository repository;
    private final ServingConfig config;
    private final InstantSource clock;
    private final TaskTimer timer;
    private final InferenceEngine engine;
    private final ServingMetrics metrics = new ServingMetrics();
    private final Map<String, NavigableMap<Long, Entry>> models = new ConcurrentSkipListMap<>();
    private final Object loading = new Object();
    private volatile boolean closing;
    private volatile boolean closed;
    private volatile Runnable beforeRun = () -> { };
    /** The cores every model's calls share: their intra-op threads together never exceed them. */
    private final CoreShare coreShare;
    /** Carriers that model calls on virtual request threads may pin at once: all but one (see ModelScheduler). */
    private final java.util.concurrent.Semaphore inlineCarriers = new java.util.concurrent.Semaphore(
            Math.max(0, Integer.getInteger("jdk.virtualThreadScheduler.parallelism",
                    Runtime.getRuntime().availableProcessors()) - 1));

    private ModelManager(ModelRepository repository, ServingConfig config, InstantSource clock, TaskTimer timer) {
        this.repository = repository;
        this.config = config;
        this.coreShare = new CoreShare(config.cores());
        this.clock = clock;
        this.timer = timer;
        this.engine = InferenceEngine.create();
        for (ModelSource source : repository.scan()) {
            put(new Entry(source, ModelState.UNAVAILABLE, "", Duration.ZERO, Optional.empty()));
        }
    }

    /** A manager over the repository, with the system clock; nothing is loaded yet (see {@link #loadAll()}). */
    public static ModelManager create(ModelRepository repository, ServingConfig config) {
        return new ModelManager(repository, config, InstantSource.system(), TaskTimer.system());
    }

    /** With the clock and timer given (tests drive time by hand); the manager closes the timer. */
    static ModelManager create(ModelRepository repository, ServingConfig config, InstantSource clock, TaskTimer timer) {
        return new ModelManager(repository, config, clock, timer);
    }

    /** Loads every model version of the repository; failures are recorded, not thrown. */
    public List<ModelStatus> loadAll() {
        List<ModelStatus> statuses = new ArrayList<>();
        for (String name : repository.scan().stream().map(ModelSource::name).distinct().toList()) {
            statuses.addAll(load(name));
        }
        return statuses;
    }

    /**
     * Loads (or reloads) every version of a model as the repository has it now; versions gone from the
     * repository are unloaded. A version that fails to load is FAILED with the reason.
     *
     * @throws ServingException MODEL_NOT_FOUND when the repository has no such model;
     *     SHUTTING_DOWN after close
     */
    public List<ModelStatus> load(String name) {
        synchronized (loading) {
            checkOpen();
            List<ModelSource> sources = repository.scan(name);
            if (sources.isEmpty()) {
                throw notFound(name);
            }
            List<ModelStatus> statuses = new ArrayList<>();
            List<Long> versions = new ArrayList<>();
            for (ModelSource source : sources) {
                versions.add(Long.parseLong(source.version()));
                Entry previous = entry(name, Long.parseLong(source.version()));
                put(new Entry(source, ModelState.LOADING, "", Duration.ZERO, Optional.empty()));
                Entry loaded = open(source);
                put(loaded);
                if (previous != null) {
                    previous.loaded().ifPresent(this::retire);
                }
                statuses.add(status(loaded));
            }
            NavigableMap<Long, Entry> known = models.get(name);
            for (Long version : List.copyOf(known.keySet())) {
                if (!versions.contains(version)) {
                    known.remove(version).loaded().ifPresent(this::retire);
                }
            }
            return statuses;
        }
    }

    /**
     * Unloads every version of a model: new requests are refused, queued and running ones finish,
     * then the sessions are closed. The model stays in the index as UNAVAILABLE.
     *
     * @throws ServingException MODEL_NOT_FOUND when no such model is known
     */
    public void unload(String name) {
        synchronized (loading) {
            NavigableMap<Long, Entry> versions = models.get(name);
            if (versions == null) {
                throw notFound(name);
            }
            for (Entry entry : List.copyOf(versions.values())) {
                put(new Entry(entry.source(), ModelState.UNAVAILABLE, "", entry.loadTime(), Optional.empty()));
                entry.loaded().ifPresent(this::retire);
            }
        }
    }

    /** Every model version known: in the repository now, or loaded. */
    public List<ModelStatus> index() {
        for (ModelSource source : repository.scan()) {
            if (entry(source.name(), Long.parseLong(source.version())) == null) {
                put(new Entry(source, ModelState.UNAVAILABLE, "", Duration.ZERO, Optional.empty()));
            }
        }
        List<ModelStatus> statuses = new ArrayList<>();
        models.values().forEach(versions -> versions.values().forEach(entry -> statuses.add(status(entry))));
        return statuses;
    }

    /**
     * The status of a model version; an empty version means the highest ready one (else the highest).
     *
     * @throws ServingException MODEL_NOT_FOUND naming the known models or versions
     */
    public ModelStatus status(String name, String version) {
        return status(resolve(name, version));
    }

    /** True until close starts: the server answers requests (models may still be loading or failed). */
    public boolean isLive() {
        return !closing;
    }

    /**
     * Checks and queues an inference request. When the model is idle, the request runs at once on
     * the calling thread and the future is complete on return (see {@code ModelScheduler}).
     *
     * @return completes with the response (the caller closes it) or with a ServingException
     *     (INVALID_REQUEST, TIMEOUT, INFERENCE_FAILED)
     * @throws ServingException MODEL_NOT_FOUND, MODEL_NOT_READY, INVALID_REQUEST, QUEUE_FULL or
     *     SHUTTING_DOWN, before anything is queued
     */
    public CompletableFuture<InferenceResponse> infer(InferenceRequest request) {
        return infer(request, true);
    }

    /**
     * Like {@link #infer(InferenceRequest)}; with {@code mayRunOnCaller} false the request always goes
     * to the model's own threads: for callers on a transport's event loop, which must not run a model.
     */
    CompletableFuture<InferenceResponse> infer(InferenceRequest request, boolean mayRunOnCaller) {
        LoadedModel model = ready(request.model(), request.version());
        return track(model, () -> model.infer(request, mayRunOnCaller));
    }

    /**
     * Runs images through the model's declared pipeline (classification or detection).
     *
     * @throws ServingException as {@link #infer}, and INVALID_REQUEST when the model has no image pipeline
     */
    public CompletableFuture<PipelineRun> predict(String name, String version, List<Image> images) {
        LoadedModel model = ready(name, version);
        return track(model, () -> model.predict(images));
    }

    /**
     * Times the call and counts it in flight. Returns the model's own future, so that a transport
     * cancelling it (a client gone, a deadline passed) takes the request out of the queue or stops its
     * run. Failures are counted by the transport that answers them, once, whatever their origin.
     */
    private <T> CompletableFuture<T> track(LoadedModel model, java.util.function.Supplier<CompletableFuture<T>> call) {
        ServingMetrics.ModelMetrics modelMetrics = metrics.model(model.source().name(), model.source().version());
        Instant start = clock.instant();
        CompletableFuture<T> future = call.get();
        modelMetrics.inFlight.incrementAndGet();
        future.whenComplete((value, error) -> {
            modelMetrics.inFlight.decrementAndGet();
            Instant end = clock.instant();
            double seconds = ServingMetrics.seconds(Duration.between(start, end));
            modelMetrics.total.observe(seconds);
            if (error == null) {
                modelMetrics.succeeded.increment();
                modelMetrics.succeededSeconds.add(seconds);
                modelMetrics.lastSuccessMillis = end.toEpochMilli();
            } else {
                modelMetrics.failed.increment();
                modelMetrics.failedSeconds.add(seconds);
            }
        });
        return future;
    }

    /** Test hook: runs before every model call on the worker thread (e.g. to hold a run on a latch). */
    void beforeRun(Runnable hook) {
        this.beforeRun = hook;
    }

    ServingMetrics metrics() {
        return metrics;
    }

    /** The clock the manager times requests with (transports time their decoding with it too). */
    InstantSource clock() {
        return clock;
    }

    /** Records how long turning an answered request into model inputs took, under its model and served version. */
    void preprocessed(String model, String version, Duration time) {
        metrics.model(model, version).preprocess.observe(ServingMetrics.seconds(time));
    }

    /**
     * What each version has served (Triton's statistics extension): every model's versions when
     * {@code name} is empty, a model's versions when {@code version} is empty, else that version.
     *
     * @throws ServingException MODEL_NOT_FOUND for an unknown name or version
     */
    List<ModelStatistics> statistics(String name, String version) {
        String only = "";
        if (!name.isEmpty()) {
            Entry entry = resolve(name, version);
            only = version.isEmpty() ? "" : entry.source().version();
        }
        List<ModelStatistics> all = new ArrayList<>();
        for (ModelStatus each : index()) {
            if ((name.isEmpty() || each.name().equals(name)) && (only.isEmpty() || each.version().equals(only))) {
                all.add(metrics.existing(each.name(), each.version())
                        .map(m -> ModelStatistics.of(each.name(), each.version(), m))
                        .orElseGet(() -> ModelStatistics.none(each.name(), each.version())));
            }
        }
        return all;
    }

    /** Records the time a transport took to encode a served version's answer. */
    void postprocessed(String model, String version, Duration time) {
        metrics.model(model, version).postprocess.observe(ServingMetrics.seconds(time));
    }

    /**
     * Counts a finished request under its model and version, or under "" for a name or version the
     * repository does not have: every unknown name a client sends must not become a metrics series
     * of its own (a client could grow /metrics without bound).
     */
    void countRequest(String name, String version, String status) {
        NavigableMap<Long, Entry> versions = models.get(name);
        if (versions == null || versions.isEmpty()) {
            metrics.request("", "", status);
            return;
        }
        // A request that named no version and failed before an answer said which version it got (a full
        // queue, a bad tensor) counts under the version it was routed to, as its successes do.
        Entry entry = version.isEmpty() ? resolve(name, "") : version(versions, version);
        metrics.request(name, entry == null ? "" : entry.source().version(), status);
    }

    /** How long a graceful shutdown waits for queued and running requests. */
    Duration drainTimeout() {
        return config.drainTimeout();
    }

    /** The cores shared by the model calls (tests, metrics). */
    CoreShare coreShare() {
        return coreShare;
    }

    /** The loaded model for a name and version (tests). */
    LoadedModel loaded(String name, String version) {
        return ready(name, version);
    }

    private LoadedModel ready(String name, String version) {
        if (closing) {
            throw new ServingException(ServingException.Code.SHUTTING_DOWN, "The server is shutting down; model "
                    + name + " takes no new requests");
        }
        Entry entry = resolve(name, version);
        return entry.loaded().filter(model -> entry.state() == ModelState.READY).orElseThrow(() ->
                new ServingException(ServingException.Code.MODEL_NOT_READY, "Model " + name + " version "
                        + entry.source().version() + " is " + entry.state()
                        + (entry.reason().isEmpty() ? "" : ": " + entry.reason())));
    }

    private Entry resolve(String name, String version) {
        NavigableMap<Long, Entry> versions = models.get(name);
        if (versions == null || versions.isEmpty()) {
            throw notFound(name);
        }
        if (version.isEmpty()) {
            return versions.descendingMap().values().stream().filter(entry -> entry.state() == ModelState.READY)
                    .findFirst().orElse(versions.lastEntry().getValue());
        }
        Entry entry = version(versions, version);
        if (entry == null) {
            throw new ServingException(ServingException.Code.MODEL_NOT_FOUND, "Model " + name + " has no version '"
                    + version + "'; its versions are " + versions.keySet());
        }
        return entry;
    }

    /** The entry of a version number given as text; null when the text is no version the map has. */
    private static Entry version(NavigableMap<Long, Entry> versions, String version) {
        return version.matches("[0-9]{1,18}") ? versions.get(Long.parseLong(version)) : null;
    }

    private ServingException notFound(String name) {
        return new ServingException(ServingException.Code.MODEL_NOT_FOUND, "Unknown model '" + name
                + "'; known models are " + models.keySet());
    }

    private Entry entry(String name, long version) {
        NavigableMap<Long, Entry> versions = models.get(name);
        return versions == null ? null : versions.get(version);
    }

    private void put(Entry entry) {
        models.computeIfAbsent(entry.source().name(), key -> new ConcurrentSkipListMap<>())
                .put(Long.parseLong(entry.source().version()), entry);
    }

    /** Opens a version: READY with its session, or FAILED with the reason. Never throws for a bad model. */
    private Entry open(ModelSource source) {
        Instant start = clock.instant();
        long startNanos = System.nanoTime();
        ModelSession session = null;
        try {
            ModelConfig modelConfig = source.configFile()
                    .map(file -> config.modelDefaults().with(readProperties(file), file.toString()))
                    .orElse(config.modelDefaults());
            if (!Files.isRegularFile(source.modelFile())) {
                throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "No model file at "
                        + source.modelFile() + "; a version folder must hold " + ModelRepository.MODEL_FILE);
            }
            int threads = modelConfig.threadsFor(config.cores());
            session = engine.open(source.modelFile(), SessionConfig.builder().intraOpThreads(threads).build());
            Optional<Pipeline> pipeline = Optional.empty();
            String pipelineNote;
            try {
                pipeline = pipelineOf(source, session);
                pipelineNote = pipeline.map(ModelManager::describe)
                        .orElse("no pipeline declared (side file, model metadata or catalog)");
            } catch (InferenceException e) {
                pipelineNote = "pipeline declaration is invalid: " + e.getMessage();
            }
            ServingMetrics.ModelMetrics modelMetrics = metrics.model(source.name(), source.version());
            LoadedModel loaded = new LoadedModel(source, modelConfig, session, pipeline, pipelineNote, clock, timer,
                    modelMetrics, () -> beforeRun.run(), inlineCarriers, coreShare, threads);
            Duration loadTime = Duration.ofNanos(System.nanoTime() - startNanos);
            modelMetrics.loadSeconds = ServingMetrics.seconds(loadTime);
            LOG.log(System.Logger.Level.DEBUG, "Loaded model {0} version {1} in {2} ms", source.name(),
                    source.version(), loadTime.toMillis());
            return new Entry(source, ModelState.READY, "", loadTime, Optional.of(loaded));
        } catch (ServingException | InferenceException | IllegalArgumentException e) {
            if (session != null) {
                session.close();
            }
            String reason = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, "Model {0} version {1} failed to load: {2}", source.name(),
                    source.version(), reason);
            return new Entry(source, ModelState.FAILED, reason, Duration.between(start, clock.instant()),
                    Optional.empty());
        }
    }

    private static Optional<Pipeline> pipelineOf(ModelSource source, ModelSession session) {
        boolean sideFile = Files.isRegularFile(PipelineSpec.sideFileOf(source.modelFile()));
        if (!sideFile && source.pipelineFile().isPresent()) {
            return Optional.of(Pipeline.create(session, PipelineSpec.fromSideFile(source.pipelineFile().get())));
        }
        Pipeline.Declaration declaration = Pipeline.declaredFor(source.modelFile(), session);
        if (declaration.source() == Pipeline.Declaration.Source.NONE) {
            return Optional.empty();
        }
        return Optional.of(Pipeline.create(session, declaration));
    }

    private static String describe(Pipeline pipeline) {
        return switch (pipeline.spec().output()) {
            case ClassificationSpec classification -> "classification";
            case DetectionSpec detection -> "detection";
            default -> "tensors";
        };
    }

    private static Map<String, String> readProperties(Path file) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            properties.load(reader);
        } catch (IOException | IllegalArgumentException e) {
            throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Cannot read " + file + ": " + e, e);
        }
        Map<String, String> values = new LinkedHashMap<>();
        properties.stringPropertyNames().stream().sorted().forEach(key -> values.put(key, properties.getProperty(key)));
        return values;
    }

    private ModelStatus status(Entry entry) {
        Optional<LoadedModel> loaded = entry.loaded();
        return new ModelStatus(entry.source().name(), entry.source().version(), entry.state(), entry.reason(),
                entry.loadTime(), loaded.map(model -> model.session().inputs()).orElse(List.of()),
                loaded.map(model -> model.session().outputs()).orElse(List.of()),
                loaded.map(LoadedModel::batching).orElse(false),
                loaded.map(LoadedModel::pipelineProblem).orElse(""));
    }

    /** Drains a replaced or unloaded version in the background, then closes it. */
    private void retire(LoadedModel model) {
        model.drain().orTimeout(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .whenComplete((done, error) -> model.close());
    }

    private void checkOpen() {
        if (closing) {
            throw new ServingException(ServingException.Code.SHUTTING_DOWN, "The model manager is shutting down");
        }
    }

    /**
     * Refuses new requests and waits until queued and running requests are done, up to the drain
     * timeout; does not close anything. Safe to call more than once.
     *
     * @return true when everything drained in time
     */
    public boolean drain() {
        closing = true;
        List<CompletableFuture<Void>> drains = new ArrayList<>();
        models.values().forEach(versions -> versions.values().forEach(entry ->
                entry.loaded().ifPresent(model -> drains.add(model.drain()))));
        try {
            CompletableFuture.allOf(drains.toArray(CompletableFuture[]::new))
                    .get(config.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            LOG.log(System.Logger.Level.WARNING, "Requests still running after the drain timeout of {0} ms",
                    config.drainTimeout().toMillis());
            return false;
        } catch (ExecutionException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Drains (see {@link #drain()}), then closes every session, the engine and the timer. Idempotent. */
    @Override
    public void close() {
        synchronized (loading) {
            if (closed) {
                return;
            }
            drain();
            closed = true;
            models.values().forEach(versions -> versions.values().forEach(entry -> entry.loaded()
                    .ifPresent(LoadedModel::close)));
            engine.close();
            timer.close();
        }
    }

    @Override
    public String toString() {
        return "ModelManager[" + repository + ", " + models.keySet() + (closed ? ", closed]" : "]");
    }
}
