package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.GraphProto;
import dev.outpost.model.proto.Onnx.ModelProto;
import dev.outpost.model.proto.Onnx.OperatorSetIdProto;
import dev.outpost.model.proto.Onnx.StringStringEntryProto;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * An ONNX model in memory: read it, look at and edit it through {@link #graph()}, and write it back.
 *
 * <p>Reading keeps every field, including fields this version does not know, so a model read and
 * written again without edits is byte-identical. External tensor data is loaded <b>eagerly</b> when
 * reading from a path (see {@link #read(Path)}); the in-memory model is then self-contained.
 *
 * <p>Not thread-safe: one owner edits a model; share it between threads only with external
 * synchronization, or give each thread its own {@link #copy()}. Holds no files or native memory.
 */
public final class OnnxModel {

    /** IR version written by {@link #create}: 8 (ONNX 1.10+), loadable by every ORT since 1.10. */
    public static final long DEFAULT_IR_VERSION = 8;
    /** Default-domain opset written by {@link #create}. */
    public static final long DEFAULT_OPSET = 17;

    private final ModelProto.Builder proto;
    private Graph graph;

    private OnnxModel(ModelProto.Builder proto) {
        this.proto = proto;
    }

    /**
     * Reads a model file; tensors stored in external files (relative to the model's folder) are read
     * into memory now.
     *
     * @throws ModelFormatException IO (missing or unreadable file, naming the path), NOT_ONNX, TRUNCATED,
     *     INVALID_MODEL (no graph), EXTERNAL_DATA (side file missing, short or outside the folder), TOO_LARGE
     */
    public static OnnxModel read(Path path) {
        Objects.requireNonNull(path, "path");
        byte[] bytes;
        try {
            long size = Files.size(path);
            if (size > ModelWriter.PROTOBUF_LIMIT) {
                throw new ModelFormatException(Code.TOO_LARGE, path + " is " + size
                        + " bytes; a single ONNX protobuf is at most 2 GiB (larger models keep data in external files)");
            }
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new ModelFormatException(Code.IO, "Model file " + path.toAbsolutePath() + " does not exist", e);
        } catch (IOException e) {
            throw new ModelFormatException(Code.IO, "Cannot read model file " + path.toAbsolutePath() + ": " + e, e);
        }
        ModelProto model = ModelReader.parse(bytes, path.toString());
        Path dir = path.toAbsolutePath().getParent();
        return new OnnxModel(ExternalData.loadAll(model, dir).toBuilder());
    }

    /**
     * Reads a model from bytes. A model that refers to external data cannot be read this way.
     *
     * @throws ModelFormatException NOT_ONNX, TRUNCATED, INVALID_MODEL, EXTERNAL_DATA
     */
    public static OnnxModel read(byte[] bytes) {
        ModelProto model = ModelReader.parse(bytes, "model bytes");
        ExternalData.requireNone(model, "model bytes");
        return new OnnxModel(model.toBuilder());
    }

    /**
     * Reads a model from a stream (read to its end; not closed). Same rules as {@link #read(byte[])}.
     *
     * @throws ModelFormatException IO when the stream fails, or as {@link #read(byte[])}
     */
    public static OnnxModel read(InputStream input) {
        try {
            return read(input.readAllBytes());
        } catch (IOException e) {
            throw new ModelFormatException(Code.IO, "Cannot read model stream: " + e, e);
        }
    }

    /**
     * A new, empty model: IR {@value #DEFAULT_IR_VERSION}, default-domain opset {@code opset}, producer
     * "outpost", and an empty graph named {@code graphName}.
     */
    public static OnnxModel create(String graphName, long opset) {
        if (opset < 1) {
            throw new IllegalArgumentException("opset is " + opset + "; expected >= 1");
        }
        ModelProto.Builder builder = ModelProto.newBuilder()
                .setIrVersion(DEFAULT_IR_VERSION)
                .setProducerName("outpost")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(opset))
                .setGraph(GraphProto.newBuilder().setName(graphName));
        return new OnnxModel(builder);
    }

    /** Package-private: wraps an existing proto (used by tests and sibling classes). */
    static OnnxModel wrap(ModelProto model) {
        return new OnnxModel(model.toBuilder());
    }

    /** A deep copy that can be edited independently. */
    public OnnxModel copy() {
        return new OnnxModel(proto.build().toBuilder());
    }

    /** The main graph, for reading and editing. Edits show in everything written afterwards. */
    public Graph graph() {
        if (graph == null) {
            graph = new Graph(proto.getGraphBuilder(), this);
        }
        return graph;
    }

    // ---- writing ----

    /**
     * The model as protobuf bytes.
     *
     * @throws ModelFormatException TOO_LARGE when the model is over protobuf's 2 GiB limit (then use
     *     {@link #write(Path)}, which stores large initializers in a side file)
     */
    public byte[] toBytes() {
        return ModelWriter.toBytes(proto.build(), ModelWriter.PROTOBUF_LIMIT);
    }

    /** Package-private hook: {@link #toBytes()} with a lower size limit, so tests need no 2 GiB heap. */
    byte[] toBytes(long limit) {
        return ModelWriter.toBytes(proto.build(), limit);
    }

    /**
     * Writes the model atomically (temporary file in the same folder, then a move): the target is
     * either the old file or the complete new one. Data stays inline unless the model exceeds 2 GiB,
     * in which case large initializers go to {@code <file name>.data}.
     *
     * @throws ModelFormatException IO naming the path, TOO_LARGE
     */
    public void write(Path path) {
        write(path, WriteOptions.INLINE);
    }

    /**
     * Writes the model atomically with the given external-data options; the side file
     * {@code <file name>.data} is moved into place before the model file.
     *
     * @throws ModelFormatException IO naming the path, TOO_LARGE
     */
    public void write(Path path, WriteOptions options) {
        ModelWriter.write(proto.build(), path, options, ModelWriter.PROTOBUF_LIMIT);
    }

    /** Package-private hook: {@link #write(Path, WriteOptions)} with a lower size limit, for tests. */
    void write(Path path, WriteOptions options, long limit) {
        ModelWriter.write(proto.build(), path, options, limit);
    }

    /** The exact number of bytes {@link #toBytes()} produces, computed without serializing (works above 2 GiB). */
    public long serializedSize() {
        return ModelWriter.serializedSize(proto.build());
    }

    // ---- shapes and inspection ----

    /**
     * Infers the element type and shape of every tensor of the main graph with Outpost's own rules;
     * tensors no rule resolves are listed in {@link InferredTypes#unresolved()} with the reason.
     *
     * @throws ModelFormatException SHAPE_MISMATCH naming the node and shapes when the model's shapes
     *     contradict each other
     */
    public InferredTypes inferShapes() {
        return ShapeInference.infer(proto.build());
    }

    /**
     * Like {@link #inferShapes()}, asking {@code oracle} (typically ONNX Runtime) for the tensors the
     * rules cannot resolve; the model's own {@code value_info} serves as a last hint.
     */
    public InferredTypes inferShapes(ShapeOracle oracle) {
        return ShapeInference.infer(proto.build(), true, Objects.requireNonNull(oracle, "oracle"));
    }

    /** Inspects the model (sizes, MACs, memory, quantization form, provenance) using {@link #inferShapes()}. */
    public ModelReport inspect() {
        ModelProto model = proto.build();
        return Inspector.inspect(model, ShapeInference.infer(model));
    }

    /** Inspects the model, resolving shapes with the help of {@code oracle} (see {@link #inferShapes(ShapeOracle)}). */
    public ModelReport inspect(ShapeOracle oracle) {
        ModelProto model = proto.build();
        return Inspector.inspect(model, ShapeInference.infer(model, true, Objects.requireNonNull(oracle, "oracle")));
    }

    // ---- validation ----

    /** Checks the graph (see {@link ModelValidator}); errors and warnings, empty when clean. */
    public List<Problem> validate() {
        return ModelValidator.validate(proto.build());
    }

    /**
     * Like {@link #validate()}, but throws on the first error (warnings are ignored).
     *
     * @throws ModelFormatException with the first error's code; the message lists every error
     */
    public void validateOrThrow() {
        ModelValidator.throwOnErrors(validate());
    }

    /**
     * Reads and validates a model file in one step: a read failure (NOT_ONNX, TRUNCATED, ...) becomes
     * the only problem of the list.
     */
    public static List<Problem> check(Path path) {
        try {
            return read(path).validate();
        } catch (ModelFormatException e) {
            String message = e.getMessage().substring(e.code().name().length() + 2);
            return List.of(new Problem(Problem.Severity.ERROR, e.code(), message));
        }
    }

    // ---- model-level fields ----

    /** The ONNX IR version the model declares. */
    public long irVersion() {
        return proto.getIrVersion();
    }

    /** Sets the declared IR version. */
    public void setIrVersion(long version) {
        proto.setIrVersion(version);
    }

    /** Operator set imports: domain ({@code ""} is the default ONNX domain) to version, in file order. */
    public Map<String, Long> opsetImports() {
        Map<String, Long> imports = new LinkedHashMap<>();
        for (OperatorSetIdProto opset : proto.getOpsetImportList()) {
            imports.put(opset.getDomain(), opset.getVersion());
        }
        return Collections.unmodifiableMap(imports);
    }

    /** The imported version of {@code domain}; {@code ""} and {@code "ai.onnx"} are the same domain. */
    public OptionalLong opsetVersion(String domain) {
        String wanted = OpCatalog.normalizeDomain(domain);
        for (OperatorSetIdProto opset : proto.getOpsetImportList()) {
            if (OpCatalog.normalizeDomain(opset.getDomain()).equals(wanted)) {
                return OptionalLong.of(opset.getVersion());
            }
        }
        return OptionalLong.empty();
    }

    /** Imports {@code domain} at {@code version}, replacing an existing import of that domain. */
    public void setOpsetImport(String domain, long version) {
        String wanted = OpCatalog.normalizeDomain(domain);
        for (int i = 0; i < proto.getOpsetImportCount(); i++) {
            if (OpCatalog.normalizeDomain(proto.getOpsetImport(i).getDomain()).equals(wanted)) {
                proto.getOpsetImportBuilder(i).setVersion(version);
                return;
            }
        }
        proto.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(domain).setVersion(version));
    }

    /** The producing tool's name ({@code producer_name}). */
    public String producerName() {
        return proto.getProducerName();
    }

    /** The producing tool's version ({@code producer_version}). */
    public String producerVersion() {
        return proto.getProducerVersion();
    }

    /** Sets {@code producer_name} and {@code producer_version}. */
    public void setProducer(String name, String version) {
        proto.setProducerName(name).setProducerVersion(version);
    }

    /**
     * The model's own namespace ({@code domain}, reverse-DNS like {@code com.example.vision}); with
     * the graph name and {@link #modelVersion()} it identifies the model. Not an operator domain.
     */
    public String domain() {
        return proto.getDomain();
    }

    /** Sets the model's {@code domain} (see {@link #domain()}). */
    public void setDomain(String domain) {
        proto.setDomain(domain);
    }

    /** The model's own version number ({@code model_version}). */
    public long modelVersion() {
        return proto.getModelVersion();
    }

    /** Sets {@code model_version}. */
    public void setModelVersion(long version) {
        proto.setModelVersion(version);
    }

    /** The model's {@code doc_string}. */
    public String docString() {
        return proto.getDocString();
    }

    /** Sets the model's {@code doc_string}. */
    public void setDocString(String doc) {
        proto.setDocString(doc);
    }

    /** The {@code metadata_props} (where provenance lives) in file order; a later duplicate key wins. */
    public Map<String, String> metadata() {
        Map<String, String> entries = new LinkedHashMap<>();
        for (StringStringEntryProto entry : proto.getMetadataPropsList()) {
            entries.put(entry.getKey(), entry.getValue());
        }
        return Collections.unmodifiableMap(entries);
    }

    /** The {@code metadata_props} value for {@code key} (the last one if repeated). */
    public Optional<String> metadata(String key) {
        return Optional.ofNullable(metadata().get(key));
    }

    /** Sets {@code key} to {@code value}: replaces the first entry with that key (dropping duplicates) or appends. */
    public void putMetadata(String key, String value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        boolean replaced = false;
        for (int i = 0; i < proto.getMetadataPropsCount(); i++) {
            if (proto.getMetadataProps(i).getKey().equals(key)) {
                if (replaced) {
                    proto.removeMetadataProps(i--);
                } else {
                    proto.getMetadataPropsBuilder(i).setValue(value);
                    replaced = true;
                }
            }
        }
        if (!replaced) {
            proto.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value));
        }
    }

    /** Removes every entry with {@code key}; returns whether one existed. */
    public boolean removeMetadata(String key) {
        boolean removed = false;
        for (int i = proto.getMetadataPropsCount() - 1; i >= 0; i--) {
            if (proto.getMetadataProps(i).getKey().equals(key)) {
                proto.removeMetadataProps(i);
                removed = true;
            }
        }
        return removed;
    }

    /** Package-private: the live builder, for sibling classes (shape inference, inspection). */
    ModelProto.Builder proto() {
        return proto;
    }

    /** Package-private: a snapshot of the model as protobuf. */
    ModelProto toProto() {
        return proto.build();
    }

    @Override
    public String toString() {
        return "OnnxModel[graph '" + proto.getGraph().getName() + "', ir " + proto.getIrVersion() + ", opsets "
                + opsetImports() + ", " + proto.getGraph().getNodeCount() + " nodes]";
    }
}
