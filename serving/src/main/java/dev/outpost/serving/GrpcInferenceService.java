package dev.outpost.serving;

import dev.outpost.runtime.TensorSpec;
import dev.outpost.serving.proto.GRPCInferenceServiceGrpc;
import dev.outpost.serving.proto.GrpcService.InferBatchStatistics;
import dev.outpost.serving.proto.GrpcService.InferStatistics;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.serving.proto.GrpcService.ModelMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ModelMetadataResponse;
import dev.outpost.serving.proto.GrpcService.ModelReadyRequest;
import dev.outpost.serving.proto.GrpcService.ModelReadyResponse;
import dev.outpost.serving.proto.GrpcService.ModelStatisticsRequest;
import dev.outpost.serving.proto.GrpcService.ModelStatisticsResponse;
import dev.outpost.serving.proto.GrpcService.RepositoryIndexRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryIndexResponse;
import dev.outpost.serving.proto.GrpcService.RepositoryModelLoadRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryModelLoadResponse;
import dev.outpost.serving.proto.GrpcService.RepositoryModelUnloadRequest;
import dev.outpost.serving.proto.GrpcService.RepositoryModelUnloadResponse;
import dev.outpost.serving.proto.GrpcService.ServerLiveRequest;
import dev.outpost.serving.proto.GrpcService.ServerLiveResponse;
import dev.outpost.serving.proto.GrpcService.ServerMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ServerMetadataResponse;
import dev.outpost.serving.proto.GrpcService.ServerReadyRequest;
import dev.outpost.serving.proto.GrpcService.ServerReadyResponse;
import dev.outpost.serving.proto.GrpcService.StatisticDuration;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The KServe v2 {@code GRPCInferenceService} over a {@link ModelManager}, the same one the REST
 * server uses: every RPC of the project's {@code grpc_service.proto}. Inference is asynchronous:
 * the call returns once the request is queued, and the answer is sent when the model has run; a
 * client cancelling its call cancels the queued request. Errors map through {@link GrpcErrors}.
 *
 * <p>Thread-safe; owns nothing (the {@link InferenceServer} owns the manager).
 */
final class GrpcInferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private static final System.Logger LOG = System.getLogger(GrpcInferenceService.class.getName());

    private final ModelManager models;
    private final BooleanSupplier accepting;

    /**
     * @param models the manager to answer from
     * @param accepting false once the server started shutting down (new inferences get UNAVAILABLE)
     */
    GrpcInferenceService(ModelManager models, BooleanSupplier accepting) {
        this.models = models;
        this.accepting = accepting;
    }

    /** A message's bytes as they are: the service parses them itself (see {@link #definition()}); tests send them. */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try (stream) {
                // gRPC's message stream knows its length: one exact array instead of readAllBytes'
                // doubling copies (measured: the event loops spent most of their time there).
                byte[] bytes = new byte[Math.max(0, stream.available())];
                int read = stream.readNBytes(bytes, 0, bytes.length);
                byte[] rest = stream.readAllBytes();
                if (read == bytes.length && rest.length == 0) {
                    return bytes;
                }
                byte[] all = java.util.Arrays.copyOf(bytes, read + rest.length);
                System.arraycopy(rest, 0, all, read, rest.length);
                return all;
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("Cannot read the request: " + e.getMessage()).asRuntimeException();
            }
        }
    };

    /** A ModelInfer message as received: its bytes, or why they could not be read. */
    record Received(byte[] bytes, Status failure) {
    }

    /**
     * {@link #BYTES} for the server: a message that cannot be read becomes a {@link Received} with its
     * failure, answered by the service with the OIP error, where an exception thrown here would reach
     * the client as UNKNOWN. Reading fails when a compressed message expands past the size limit
     * (grpc-java counts the decompressed bytes) or does not decompress.
     */
    static final MethodDescriptor.Marshaller<Received> RECEIVED = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(Received value) {
            return BYTES.stream(value.bytes());
        }

        @Override
        public Received parse(InputStream stream) {
            try {
                return new Received(BYTES.parse(stream), null);
            } catch (StatusRuntimeException e) {
                return new Received(new byte[0], e.getStatus());
            }
        }
    };

    /**
     * The service to register: the generated one, except that ModelInfer takes the message's bytes and
     * parses them here. Bytes that are no ModelInferRequest then get INVALID_ARGUMENT naming the
     * problem; with the generated marshaller grpc-java fails them with UNKNOWN ("Application error
     * processing RPC") before any of our code runs.
     */
    ServerServiceDefinition definition() {
        ServerServiceDefinition generated = bindService();
        MethodDescriptor<ModelInferRequest, ModelInferResponse> infer = GRPCInferenceServiceGrpc.getModelInferMethod();
        ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(
                generated.getServiceDescriptor().getName());
        generated.getMethods().stream()
                .filter(method -> !method.getMethodDescriptor().getFullMethodName().equals(infer.getFullMethodName()))
                .forEach(builder::addMethod);
        builder.addMethod(infer.toBuilder(RECEIVED, infer.getResponseMarshaller()).build(),
                ServerCalls.asyncUnaryCall((Received received, StreamObserver<ModelInferResponse> answer) -> {
                    if (received.failure() != null) {
                        fail(answer, "", "", new ServingException(received.failure().getCode()
                                == Status.Code.RESOURCE_EXHAUSTED ? ServingException.Code.PAYLOAD_TOO_LARGE
                                : ServingException.Code.INVALID_REQUEST, "The request message could not be read: "
                                + received.failure().getDescription()));
                        return;
                    }
                    byte[] bytes = received.bytes();
                    ModelInferRequest message;
                    try {
                        // Aliasing: raw_input_contents stay views of these bytes instead of copies.
                        com.google.protobuf.CodedInputStream input = com.google.protobuf.CodedInputStream.newInstance(bytes);
                        input.enableAliasing(true);
                        message = ModelInferRequest.parseFrom(input);
                    } catch (IOException e) {
                        fail(answer, "", "", new ServingException(ServingException.Code.INVALID_REQUEST,
                                "The request is not a ModelInferRequest message (" + bytes.length + " bytes): "
                                        + e.getMessage()));
                        return;
                    }
                    modelInfer(message, answer);
                }));
        return builder.build();
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> answer) {
        // Live while the process answers, draining included, as REST's /v2/health/live: an orchestrator
        // restarts a server that is not live, which would cut the drain short. Readiness says "no new work".
        reply(answer, () -> ServerLiveResponse.newBuilder().setLive(true).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> answer) {
        reply(answer, () -> ServerReadyResponse.newBuilder()
                .setReady(models.isLive() && accepting.getAsBoolean()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> answer) {
        reply(answer, () -> ModelReadyResponse.newBuilder()
                .setReady(models.status(request.getName(), request.getVersion()).ready()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> answer) {
        reply(answer, () -> ServerMetadataResponse.newBuilder()
                .setName("outpost")
                .setVersion(InferenceServer.versionOfThisModule())
                .addExtensions("model_repository")
                .addExtensions("statistics")
                .build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> answer) {
        reply(answer, () -> {
            ModelStatus status = models.status(request.getName(), request.getVersion());
            ModelMetadataResponse.Builder builder = ModelMetadataResponse.newBuilder()
                    .setName(status.name())
                    .setPlatform("onnxruntime_onnx");
            models.index().stream().filter(each -> each.name().equals(status.name()))
                    .forEach(each -> builder.addVersions(each.version()));
            status.inputs().forEach(spec -> builder.addInputs(tensor(spec)));
            status.outputs().forEach(spec -> builder.addOutputs(tensor(spec)));
            return builder.build();
        });
    }

    private static ModelMetadataResponse.TensorMetadata tensor(TensorSpec spec) {
        ModelMetadataResponse.TensorMetadata.Builder builder = ModelMetadataResponse.TensorMetadata.newBuilder()
                .setName(spec.name())
                .setDatatype(spec.type().oipName());
        for (long dim : spec.shape()) {
            builder.addShape(dim < 0 ? -1 : dim);
        }
        return builder.build();
    }

    @Override
    public void modelInfer(ModelInferRequest message, StreamObserver<ModelInferResponse> answer) {
        String name = message.getModelName();
        InferenceRequest request;
        java.time.Duration decodeTime;
        CompletableFuture<InferenceResponse> future;
        try {
            if (!accepting.getAsBoolean()) {
                throw new ServingException(ServingException.Code.SHUTTING_DOWN, "The server is shutting down; model "
                        + name + " takes no new requests");
            }
            java.time.Instant decoding = models.clock().instant();
            request = GrpcCodec.decode(message);
            decodeTime = java.time.Duration.between(decoding, models.clock().instant());
            try {
                // This runs on the transport's event loop (direct executor): queue, never run the model here.
                future = models.infer(request, false);
            } catch (RuntimeException e) {
                GrpcCodec.release(request);
                throw e;
            }
        } catch (RuntimeException e) {
            fail(answer, name, message.getModelVersion(), e);
            return;
        }
        if (answer instanceof ServerCallStreamObserver<ModelInferResponse> call) {
            call.setOnCancelHandler(() -> future.cancel(false));
        }
        java.time.Duration preprocessing = decodeTime;
        future.whenComplete((response, error) -> {
            GrpcCodec.release(request);
            if (error != null) {
                fail(answer, name, message.getModelVersion(), error);
                return;
            }
            try (response) {
                models.preprocessed(name, response.version(), preprocessing);
                java.time.Instant encoding = models.clock().instant();
                ModelInferResponse encoded = GrpcCodec.encode(response);
                models.postprocessed(name, response.version(),
                        java.time.Duration.between(encoding, models.clock().instant()));
                answer.onNext(encoded);
                answer.onCompleted();
                models.countRequest(name, response.version(), "OK");
            } catch (RuntimeException e) {
                fail(answer, name, response.version(), e);
            }
        });
    }

    @Override
    public void modelStatistics(ModelStatisticsRequest request, StreamObserver<ModelStatisticsResponse> answer) {
        reply(answer, () -> {
            ModelStatisticsResponse.Builder builder = ModelStatisticsResponse.newBuilder();
            for (ModelStatistics each : models.statistics(request.getName(), request.getVersion())) {
                builder.addModelStats(dev.outpost.serving.proto.GrpcService.ModelStatistics.newBuilder()
                        .setName(each.name())
                        .setVersion(each.version())
                        .setLastInference(each.lastInferenceMillis())
                        .setInferenceCount(each.inferenceCount())
                        .setExecutionCount(each.executionCount())
                        .setInferenceStats(InferStatistics.newBuilder()
                                .setSuccess(duration(each.success()))
                                .setFail(duration(each.fail()))
                                .setQueue(duration(each.queue()))
                                .setComputeInput(duration(each.computeInput()))
                                .setComputeInfer(duration(each.computeInfer()))
                                .setComputeOutput(duration(each.computeOutput()))
                                .setCacheHit(duration(ModelStatistics.Stat.NONE))
                                .setCacheMiss(duration(ModelStatistics.Stat.NONE)))
                        .addAllBatchStats(each.batches().stream().map(batch -> InferBatchStatistics.newBuilder()
                                .setBatchSize(batch.size())
                                .setComputeInput(duration(batch.input()))
                                .setComputeInfer(duration(batch.infer()))
                                .setComputeOutput(duration(batch.output()))
                                .build()).toList()));
            }
            return builder.build();
        });
    }

    private static StatisticDuration duration(ModelStatistics.Stat stat) {
        return StatisticDuration.newBuilder().setCount(stat.count()).setNs(stat.nanos()).build();
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> answer) {
        reply(answer, () -> {
            RepositoryIndexResponse.Builder builder = RepositoryIndexResponse.newBuilder();
            for (ModelStatus status : models.index()) {
                if (request.getReady() && !status.ready()) {
                    continue;
                }
                builder.addModels(RepositoryIndexResponse.ModelIndex.newBuilder()
                        .setName(status.name())
                        .setVersion(status.version())
                        .setState(status.state().name())
                        .setReason(status.reason()));
            }
            return builder.build();
        });
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request,
                                    StreamObserver<RepositoryModelLoadResponse> answer) {
        offEventLoop(answer, () -> {
            List<ModelStatus> failed = models.load(request.getModelName()).stream()
                    .filter(status -> status.state() == ModelState.FAILED).toList();
            if (!failed.isEmpty()) {
                throw new ServingException(ServingException.Code.INVALID_REPOSITORY, "Model " + request.getModelName()
                        + " failed to load: " + failed.stream()
                        .map(status -> "version " + status.version() + ": " + status.reason()).toList());
            }
            return RepositoryModelLoadResponse.getDefaultInstance();
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> answer) {
        offEventLoop(answer, () -> {
            models.unload(request.getModelName());
            return RepositoryModelUnloadResponse.getDefaultInstance();
        });
    }

    /**
     * Like {@link #reply}, on a thread of its own: loads and unloads take seconds (and unload drains
     * running requests), and calls arrive on the transport's event loop, which must stay free.
     */
    private <T> void offEventLoop(StreamObserver<T> answer, Supplier<T> body) {
        Thread.ofPlatform().daemon().name("outpost-grpc-repository").start(() -> reply(answer, body));
    }

    /** Answers a unary call; a failure becomes its gRPC status, never escapes. */
    private <T> void reply(StreamObserver<T> answer, Supplier<T> body) {
        T value;
        try {
            value = body.get();
        } catch (RuntimeException e) {
            models.metrics().error(e);
            answer.onError(status(e).asRuntimeException());
            return;
        }
        answer.onNext(value);
        answer.onCompleted();
    }

    private void fail(StreamObserver<?> answer, String model, String version, Throwable error) {
        Status status = status(error);
        models.metrics().error(error);
        models.countRequest(model, version, status.getCode().name());
        try {
            answer.onError(status.asRuntimeException());
        } catch (IllegalStateException e) {
            LOG.log(System.Logger.Level.DEBUG, "The call of model " + model + " was already closed: " + e.getMessage());
        }
    }

    private static Status status(Throwable error) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof ServingException serving) {
            return GrpcErrors.status(serving);
        }
        if (cause instanceof java.util.concurrent.CancellationException) {
            return Status.CANCELLED.withDescription("The client cancelled the call");
        }
        LOG.log(System.Logger.Level.ERROR, "Internal error while answering a gRPC call", cause);
        return Status.INTERNAL.withDescription("Internal server error: " + cause);
    }
}
