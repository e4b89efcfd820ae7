package dev.outpost.serving;

import com.google.protobuf.ByteString;
import dev.outpost.serving.proto.GRPCInferenceServiceGrpc;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/** A plaintext channel to a test server's gRPC port with stubs generated from the project's proto. */
final class GrpcClient implements AutoCloseable {


    private static final MethodDescriptor<byte[], byte[]> MODEL_INFER_BYTES = GRPCInferenceServiceGrpc
            .getModelInferMethod().toBuilder(GrpcInferenceService.BYTES, GrpcInferenceService.BYTES).build();

    private final ManagedChannel channel;

    private GrpcClient(ManagedChannel channel) {
        this.channel = channel;
    }

    static GrpcClient to(InferenceServer server) {
        return to(server, GrpcCompression.compressors());
    }

    /** A client whose {@code withCompression} names are looked up in {@code compressors}. */
    static GrpcClient to(InferenceServer server, io.grpc.CompressorRegistry compressors) {
        return new GrpcClient(NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .maxInboundMessageSize(64 << 20).compressorRegistry(compressors).build());
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking() {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    GRPCInferenceServiceGrpc.GRPCInferenceServiceFutureStub future() {
        return GRPCInferenceServiceGrpc.newFutureStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    /** ModelInfer with the request and the response as wire bytes. */
    byte[] modelInferBytes(byte[] request) {
        return ClientCalls.blockingUnaryCall(channel, MODEL_INFER_BYTES,
                CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS), request);
    }

    /** An FP32 input as Triton's gRPC client sends it: name, datatype, shape; the data in raw_input_contents. */
    static ModelInferRequest.Builder rawFp32(String model, String input, float[] values, long... shape) {
        ModelInferRequest.InferInputTensor.Builder tensor = ModelInferRequest.InferInputTensor.newBuilder()
                .setName(input).setDatatype("FP32");
        for (long dim : shape) {
            tensor.addShape(dim);
        }
        ByteBuffer bytes = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            bytes.putFloat(value);
        }
        return ModelInferRequest.newBuilder().setModelName(model).addInputs(tensor)
                .addRawInputContents(ByteString.copyFrom(bytes.array()));
    }

    static float[] floats(ByteString raw) {
        float[] values = new float[raw.size() / 4];
        raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
}
