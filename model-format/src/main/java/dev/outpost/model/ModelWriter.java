package dev.outpost.model;

import com.google.protobuf.CodedOutputStream;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.TensorProto;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Serializes models: exact size computation in {@code long} (so a model over 2 GiB is detected
 * without serializing it), atomic writes (temporary file in the target folder, then a move), and
 * external data when asked or needed. Stateless and thread-safe.
 */
final class ModelWriter {

    /** Protobuf's hard limit for one serialized message. */
    static final long PROTOBUF_LIMIT = Integer.MAX_VALUE;

    private ModelWriter() {
    }

    /**
     * The serialized size of {@code model} in bytes, computed without overflow: the graph's
     * initializers, each below 2 GiB, are summed as longs. Exact for models whose graph without
     * initializers, and whose other fields, fit in 2 GiB.
     */
    static long serializedSize(ModelProto model) {
        GraphProto graph = model.getGraph();
        long graphSize = graph.toBuilder().clearInitializer().build().getSerializedSize();
        for (TensorProto tensor : graph.getInitializerList()) {
            int size = tensor.getSerializedSize();
            graphSize += 1 + CodedOutputStream.computeUInt32SizeNoTag(size) + size;
        }
        long rest = model.toBuilder().clearGraph().build().getSerializedSize();
        return rest + (model.hasGraph() ? 1 + CodedOutputStream.computeUInt64SizeNoTag(graphSize) + graphSize : 0);
    }

    static byte[] toBytes(ModelProto model, long limit) {
        long size = serializedSize(model);
        if (size > limit) {
            throw new ModelFormatException(Code.TOO_LARGE, "The model serializes to " + size
                    + " bytes, over protobuf's limit of " + limit + " bytes for one message; write it to a file with"
                    + " OnnxModel.write(path), which moves large initializers into '<model>.data' next to it");
        }
        return model.toByteArray();
    }

    static void write(ModelProto model, Path path, WriteOptions options, long limit) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        String dataName = target.getFileName() + ".data";
        boolean external = options.externalData() || serializedSize(model) > limit;
        Path modelTemp = null;
        Path dataTemp = null;
        try {
            Files.createDirectories(dir);
            ModelProto toWrite = model;
            if (external) {
                ModelProto.Builder copy = model.toBuilder();
                dataTemp = Files.createTempFile(dir, "." + dataName, ".tmp");
                long dataBytes;
                try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(dataTemp), 1 << 16)) {
                    dataBytes = ExternalData.externalize(copy.getGraphBuilder(), options.thresholdBytes(),
                            options.alignment(), dataName, out);
                }
                if (dataBytes == 0) {
                    Files.delete(dataTemp);
                    dataTemp = null;
                }
                toWrite = copy.build();
                long size = serializedSize(toWrite);
                if (size > limit) {
                    throw new ModelFormatException(Code.TOO_LARGE, "Even with initializers of at least "
                            + options.thresholdBytes() + " bytes moved to '" + dataName + "', " + target.getFileName()
                            + " would be " + size + " bytes, over protobuf's limit of " + limit
                            + "; lower the threshold or shrink node attributes");
                }
            }
            modelTemp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(modelTemp), 1 << 16)) {
                toWrite.writeTo(out);
            }
            if (dataTemp != null) {
                move(dataTemp, dir.resolve(dataName));
                dataTemp = null;
            }
            move(modelTemp, target);
            modelTemp = null;
        } catch (IOException e) {
            throw new ModelFormatException(Code.IO, "Cannot write model to " + target + ": " + e, e);
        } finally {
            deleteQuietly(dataTemp);
            deleteQuietly(modelTemp);
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void deleteQuietly(Path temp) {
        if (temp != null) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException ignored) {
                // Best effort: the write already failed and reports the first cause.
            }
        }
    }
}
