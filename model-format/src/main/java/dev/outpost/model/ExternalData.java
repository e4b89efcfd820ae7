package dev.outpost.model;

import com.google.protobuf.ByteString;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.AttributeProto;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.NodeProto;
import dev.outpost.model.proto.Onnx.StringStringEntryProto;
import dev.outpost.model.proto.Onnx.TensorProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * External tensor data as the ONNX IR specification defines it: {@code data_location = EXTERNAL} and
 * {@code external_data} entries {@code location} (relative to the model's folder), {@code offset},
 * {@code length} and {@code checksum}.
 *
 * <p>Reading is <b>eager</b>: {@link #loadAll} copies every external tensor's bytes into its
 * {@code raw_data}, so the in-memory model is self-contained and the side files may change or
 * disappear afterwards. The {@code checksum} key is kept out of the loaded tensor and not verified.
 * Stateless and thread-safe.
 */
final class ExternalData {

    private ExternalData() {
    }

    /** Loads every external tensor of the model (graph, subgraphs, tensor attributes) from {@code modelDir}. */
    static ModelProto loadAll(ModelProto model, Path modelDir) {
        if (!usesExternalData(model.getGraph())) {
            return model;
        }
        ModelProto.Builder builder = model.toBuilder();
        load(builder.getGraphBuilder(), modelDir);
        return builder.build();
    }

    /**
     * Fails with EXTERNAL_DATA when the model (read from bytes, so without a folder) refers to external
     * data.
     */
    static void requireNone(ModelProto model, String source) {
        firstExternal(model.getGraph()).ifPresent(name -> {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + name + "' in " + source
                    + " keeps its data in an external file, but the model was not read from a path;"
                    + " use OnnxModel.read(Path) so the file can be found next to the model");
        });
    }

    static boolean usesExternalData(GraphProto graph) {
        return firstExternal(graph).isPresent();
    }

    private static java.util.Optional<String> firstExternal(GraphProto graph) {
        for (TensorProto tensor : graph.getInitializerList()) {
            if (Tensors.isExternal(tensor)) {
                return java.util.Optional.of(tensor.getName());
            }
        }
        for (NodeProto node : graph.getNodeList()) {
            for (AttributeProto attribute : node.getAttributeList()) {
                if (attribute.hasT() && Tensors.isExternal(attribute.getT())) {
                    return java.util.Optional.of(attribute.getT().getName().isEmpty()
                            ? node.getName() + "." + attribute.getName() : attribute.getT().getName());
                }
                if (attribute.hasG()) {
                    var inner = firstExternal(attribute.getG());
                    if (inner.isPresent()) {
                        return inner;
                    }
                }
                for (GraphProto sub : attribute.getGraphsList()) {
                    var inner = firstExternal(sub);
                    if (inner.isPresent()) {
                        return inner;
                    }
                }
            }
        }
        return java.util.Optional.empty();
    }

    private static void load(GraphProto.Builder graph, Path modelDir) {
        for (TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            if (Tensors.isExternal(tensor)) {
                loadTensor(tensor, tensor.getName(), modelDir);
            }
        }
        for (NodeProto.Builder node : graph.getNodeBuilderList()) {
            for (AttributeProto.Builder attribute : node.getAttributeBuilderList()) {
                if (attribute.hasT() && Tensors.isExternal(attribute.getT())) {
                    loadTensor(attribute.getTBuilder(), node.getName() + "." + attribute.getName(), modelDir);
                }
                if (attribute.hasG()) {
                    load(attribute.getGBuilder(), modelDir);
                }
                for (GraphProto.Builder sub : attribute.getGraphsBuilderList()) {
                    load(sub, modelDir);
                }
            }
        }
    }

    private static void loadTensor(TensorProto.Builder tensor, String label, Path modelDir) {
        String location = null;
        long offset = 0;
        long length = -1;
        for (StringStringEntryProto entry : tensor.getExternalDataList()) {
            switch (entry.getKey()) {
                case "location" -> location = entry.getValue();
                case "offset" -> offset = parseNumber(entry, label);
                case "length" -> length = parseNumber(entry, label);
                default -> { }
            }
        }
        if (location == null || location.isEmpty()) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label
                    + "' is marked EXTERNAL but has no 'location' entry in external_data");
        }
        Path file = resolveInside(modelDir, location, label);
        long expected = Tensors.storedByteSize(tensor);
        if (length >= 0 && length != expected) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' ("
                    + Tensors.elementType(tensor).onnxName() + " " + tensor.getDimsList() + ") needs " + expected
                    + " bytes but its external_data says length " + length + " in '" + location + "'");
        }
        byte[] data;
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            if (offset > size || expected > size - offset) {
                throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' needs bytes " + offset
                        + ".." + (offset + expected) + " of '" + location + "', but that file is " + size + " bytes");
            }
            if (expected > ModelWriter.PROTOBUF_LIMIT) {
                throw new ModelFormatException(Code.TOO_LARGE, "Tensor '" + label + "' in '" + location + "' is "
                        + expected + " bytes; a tensor loaded into memory holds at most " + ModelWriter.PROTOBUF_LIMIT);
            }
            data = new byte[(int) expected];
            ByteBuffer buffer = ByteBuffer.wrap(data);
            long position = offset;
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position);
                if (read < 0) {
                    throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "': '" + location
                            + "' ended at " + position + " while reading " + expected + " bytes from " + offset);
                }
                position += read;
            }
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' keeps its data in '"
                    + location + "', which does not exist (looked for " + file + ")", e);
        } catch (IOException e) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "': cannot read '" + location
                    + "' (" + file + "): " + e.getMessage(), e);
        }
        tensor.clearExternalData().clearDataLocation().setRawData(ByteString.copyFrom(data));
    }

    private static long parseNumber(StringStringEntryProto entry, String label) {
        try {
            long value = Long.parseLong(entry.getValue().trim());
            if (value < 0) {
                throw new NumberFormatException("negative");
            }
            return value;
        } catch (NumberFormatException e) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' has external_data "
                    + entry.getKey() + "='" + entry.getValue() + "'; expected a non-negative integer", e);
        }
    }

    /** Resolves {@code location} against {@code modelDir}, refusing absolute paths and escapes. */
    static Path resolveInside(Path modelDir, String location, String label) {
        Path relative;
        try {
            relative = modelDir.getFileSystem().getPath(location);
        } catch (java.nio.file.InvalidPathException e) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' has external location '"
                    + location + "', which is not a valid path", e);
        }
        Path base = modelDir.toAbsolutePath().normalize();
        Path file = base.resolve(relative).normalize();
        if (relative.isAbsolute() || location.startsWith("/") || location.startsWith("\\")
                || !file.startsWith(base) || file.equals(base)) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' has external location '"
                    + location + "', which is outside the model's folder " + base
                    + "; expected a path relative to and inside that folder");
        }
        try {
            if (Files.exists(file) && !file.toRealPath().startsWith(base.toRealPath())) {
                throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "' has external location '"
                        + location + "', which links to " + file.toRealPath() + ", outside the model's folder " + base);
            }
        } catch (IOException e) {
            throw new ModelFormatException(Code.EXTERNAL_DATA, "Tensor '" + label + "': cannot resolve '"
                    + location + "': " + e.getMessage(), e);
        }
        return file;
    }

    /**
     * Moves the data of every main-graph initializer of at least {@code threshold} bytes into
     * {@code out} (offsets aligned to {@code alignment}) and points the initializer at
     * {@code location}. Returns the number of bytes written.
     */
    static long externalize(GraphProto.Builder graph, long threshold, int alignment, String location,
            OutputStream out) throws IOException {
        long position = 0;
        for (TensorProto.Builder tensor : graph.getInitializerBuilderList()) {
            ElementType type = Tensors.elementType(tensor);
            if (type == ElementType.STRING || Tensors.storedByteSize(tensor) < threshold) {
                continue;
            }
            ByteString raw = Tensors.rawBytes(tensor);
            long aligned = (position + alignment - 1) / alignment * alignment;
            for (long pad = position; pad < aligned; pad++) {
                out.write(0);
            }
            raw.writeTo(out);
            tensor.clearFloatData().clearInt32Data().clearInt64Data().clearDoubleData().clearUint64Data()
                    .clearRawData().clearExternalData().setDataLocation(TensorProto.DataLocation.EXTERNAL)
                    .addExternalData(entry("location", location))
                    .addExternalData(entry("offset", Long.toString(aligned)))
                    .addExternalData(entry("length", Integer.toString(raw.size())));
            position = aligned + raw.size();
        }
        return position;
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }
}
