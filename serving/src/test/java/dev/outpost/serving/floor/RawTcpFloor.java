package dev.outpost.serving.floor;

import dev.outpost.runtime.InferenceEngine;
import dev.outpost.runtime.ModelSession;
import dev.outpost.runtime.Outputs;
import dev.outpost.runtime.SessionConfig;
import dev.outpost.runtime.Tensor;
import dev.outpost.runtime.TensorSpec;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;

/**
 * The floor under issue 3's "p50 added by REST over in-process run" (not a test; run by
 * {@code scripts/bench-serving-floor.sh}): the least any TCP inference server can add on this machine.
 * A server thread reads a 4-byte length and the input tensor's bytes straight into the tensor's direct
 * buffer (no HTTP, no JSON, no copy), runs the model, and writes the first output back; the client
 * writes from and reads into direct buffers. Blocks of in-process runs and socket round trips
 * alternate; each block's p50 difference is what the socket adds.
 *
 * <p>Arguments: MODEL [BLOCKS [REQUESTS_PER_BLOCK]] (defaults 8 and 100). The model's first input
 * must be numeric; dynamic dimensions are taken as 1.
 */
public final class RawTcpFloor {

    private RawTcpFloor() {
    }

    public static void main(String[] args) throws Exception {
        Path model = Path.of(args[0]);
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int perBlock = args.length > 2 ? Integer.parseInt(args[2]) : 100;
        try (InferenceEngine engine = InferenceEngine.create();
                ModelSession session = engine.open(model, SessionConfig.builder().intraOpThreads(1).spinning(false)
                        .build());
                ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            TensorSpec spec = session.inputs().get(0);
            long[] shape = spec.shapeArray();
            for (int i = 0; i < shape.length; i++) {
                shape[i] = Math.max(1, shape[i]);
            }
            Thread serving = new Thread(() -> serve(server, session, spec, shape), "raw-tcp-server");
            serving.setDaemon(true);
            serving.start();
            try (Tensor local = Tensor.allocate(spec.type(), shape); SocketChannel client = SocketChannel.open()) {
                client.connect(server.getLocalAddress());
                client.socket().setTcpNoDelay(true);
                int bytes = local.buffer().capacity();
                ByteBuffer request = ByteBuffer.allocateDirect(4 + bytes);
                request.putInt(0, bytes);
                ByteBuffer reply = ByteBuffer.allocateDirect(64 << 20);
                Map<String, Tensor> inputs = Map.of(spec.name(), local);
                double[] added = new double[blocks];
                for (int block = 0; block < blocks; block++) {
                    long[] inProcess = new long[perBlock];
                    long[] socket = new long[perBlock];
                    for (int i = 0; i < perBlock; i++) {
                        long start = System.nanoTime();
                        try (Outputs outputs = session.run(inputs)) {
                            inProcess[i] = System.nanoTime() - start;
                        }
                    }
                    for (int i = 0; i < perBlock; i++) {
                        long start = System.nanoTime();
                        request.clear();
                        while (request.hasRemaining()) {
                            client.write(request);
                        }
                        readFully(client, reply.clear().limit(4));
                        readFully(client, reply.clear().limit(reply.getInt(0)));
                        socket[i] = System.nanoTime() - start;
                    }
                    Arrays.sort(inProcess);
                    Arrays.sort(socket);
                    added[block] = (socket[perBlock / 2] - inProcess[perBlock / 2]) / 1e6;
                    System.out.printf("block %d: in-process p50 %.3f ms, raw TCP p50 %.3f ms, adds %.3f ms%n", block,
                            inProcess[perBlock / 2] / 1e6, socket[perBlock / 2] / 1e6, added[block]);
                }
                Arrays.sort(added);
                System.out.printf("%s (%d bytes in): the raw TCP floor adds a median %.3f ms (range %.3f to %.3f) over"
                        + " %d blocks%n", model.getFileName(), bytes, added[blocks / 2], added[0], added[blocks - 1],
                        blocks);
            }
        }
    }

    private static void serve(ServerSocketChannel server, ModelSession session, TensorSpec spec, long[] shape) {
        try (SocketChannel channel = server.accept(); Tensor input = Tensor.allocate(spec.type(), shape)) {
            channel.socket().setTcpNoDelay(true);
            ByteBuffer length = ByteBuffer.allocate(4);
            ByteBuffer body = input.buffer();
            Map<String, Tensor> inputs = Map.of(spec.name(), input);
            while (readFully(channel, length.clear()) && readFully(channel, body.clear())) {
                try (Outputs outputs = session.run(inputs)) {
                    ByteBuffer answer = outputs.first().buffer();
                    ByteBuffer header = ByteBuffer.allocate(4).putInt(0, answer.remaining());
                    ByteBuffer[] both = {header, answer};
                    while (answer.hasRemaining()) {
                        channel.write(both);
                    }
                }
            }
        } catch (IOException e) {
            // the client closed the connection: the run is over
        }
    }

    /** Fills the buffer; false at end of stream. */
    private static boolean readFully(SocketChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                return false;
            }
        }
        return true;
    }
}
