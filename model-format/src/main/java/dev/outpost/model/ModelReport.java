package dev.outpost.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code outpost inspect} shows about a model: header, inputs and outputs, operator histogram,
 * parameters, multiply-accumulates, an activation-memory estimate, the quantization form and the
 * provenance metadata. Render with {@link #toJson()} (stable key order) or {@link #toText()}.
 *
 * <p>Immutable and thread-safe. Built by model-format from a model and its inferred shapes.
 *
 * @param irVersion the ONNX IR version
 * @param opsets opset version per imported domain ("ai.onnx" for the default domain), in file order
 * @param producerName the producer_name field, "" when absent
 * @param producerVersion the producer_version field, "" when absent
 * @param graphName the main graph's name
 * @param inputs the graph inputs that are not initializers, with declared type and shape
 * @param outputs the graph outputs, with their inferred type and shape (declared when not inferable)
 * @param opHistogram node count per operator, keyed "domain:op" ("ai.onnx:Conv"), most frequent first
 * @param parameters initializer element counts and bytes
 * @param compute multiply-accumulate counts
 * @param activationMemory the peak activation-memory estimate
 * @param quantization the model's numeric form
 * @param metadata the model's metadata_props (provenance), in file order
 * @param unresolvedTensors tensors whose shape could not be inferred, with the reason
 */
public record ModelReport(long irVersion, Map<String, Long> opsets, String producerName, String producerVersion,
                          String graphName, List<TensorSummary> inputs, List<TensorSummary> outputs,
                          Map<String, Integer> opHistogram, Parameters parameters, Compute compute,
                          ActivationMemory activationMemory, QuantizationForm quantization,
                          Map<String, String> metadata, Map<String, String> unresolvedTensors) {

    /** Copies the lists and maps; requires every other component. */
    public ModelReport {
        opsets = frozen(opsets);
        Objects.requireNonNull(producerName, "producerName");
        Objects.requireNonNull(producerVersion, "producerVersion");
        Objects.requireNonNull(graphName, "graphName");
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        opHistogram = frozen(opHistogram);
        Objects.requireNonNull(parameters, "parameters");
        Objects.requireNonNull(compute, "compute");
        Objects.requireNonNull(activationMemory, "activationMemory");
        Objects.requireNonNull(quantization, "quantization");
        metadata = frozen(metadata);
        unresolvedTensors = frozen(unresolvedTensors);
    }

    private static <K, V> Map<K, V> frozen(Map<K, V> map) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }

    /** A graph input or output. */
    public record TensorSummary(String name, ElementType elementType, Shape shape) {
        /** Requires every component. */
        public TensorSummary {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(elementType, "elementType");
            Objects.requireNonNull(shape, "shape");
        }
    }

    /** Element count and bytes of a group of initializers. */
    public record Totals(long count, long bytes) {
        /** Requires non-negative figures. */
        public Totals {
            if (count < 0 || bytes < 0) {
                throw new IllegalArgumentException("Totals must be >= 0; got count " + count + ", bytes " + bytes);
            }
        }
    }

    /**
     * Parameters: the elements of every initializer of the main graph. Quantized weights count like any
     * weight; int32 biases, scales and zero points are included too, and the scale and zero-point tensors
     * (inputs 1-2 of QuantizeLinear/DequantizeLinear, the scale/zero-point inputs of QLinear*, ConvInteger
     * and MatMulInteger) are also reported alone in {@code quantizationParameters} so they can be subtracted.
     *
     * @param total all initializer elements and bytes
     * @param byElementType totals per element type, largest first
     * @param quantizationParameters the scale and zero-point part of {@code total}
     */
    public record Parameters(Totals total, Map<ElementType, Totals> byElementType, Totals quantizationParameters) {
        /** Copies the map; requires the totals. */
        public Parameters {
            Objects.requireNonNull(total, "total");
            byElementType = frozen(byElementType);
            Objects.requireNonNull(quantizationParameters, "quantizationParameters");
        }
    }

    /**
     * The multiply-accumulates of one compute node.
     *
     * @param integer true when the node computes on 8-bit integers: ConvInteger, QLinearConv,
     *     MatMulInteger, QLinearMatMul, or a Conv, ConvTranspose, Gemm or MatMul whose data and weight
     *     both come straight from a DequantizeLinear of 8-bit values (the QDQ pattern ONNX Runtime runs
     *     with its integer kernels)
     */
    public record NodeMacs(String node, String opType, long macs, boolean batchAssumedOne, boolean integer) {
        /** Requires the names and non-negative MACs. */
        public NodeMacs {
            Objects.requireNonNull(node, "node");
            Objects.requireNonNull(opType, "opType");
            if (macs < 0) {
                throw new IllegalArgumentException("MACs of node '" + node + "' must be >= 0; got " + macs);
            }
        }
    }

    /**
     * Multiply-accumulates of Conv, ConvTranspose, Gemm, MatMul and their integer/QLinear forms (a QDQ
     * model counts its Conv/MatMul like the float model). Elementwise ops, bias adds and pooling are not
     * counted. Symbolic dimensions are taken as 1.
     *
     * @param totalMacs the sum over {@code nodes}
     * @param nodes per compute node, in graph order
     * @param batchAssumedOne true when some node had a symbolic dimension that was taken as 1
     * @param uncounted compute nodes whose shapes were unresolved, so their MACs are missing from the total
     */
    public record Compute(long totalMacs, List<NodeMacs> nodes, boolean batchAssumedOne, List<String> uncounted) {
        /** Copies the lists. */
        public Compute {
            nodes = List.copyOf(nodes);
            uncounted = List.copyOf(uncounted);
        }

        /** The part of {@link #totalMacs()} computed on 8-bit integers (see {@link NodeMacs#integer()}). */
        public long integerMacs() {
            return nodes.stream().filter(NodeMacs::integer).mapToLong(NodeMacs::macs).sum();
        }
    }

    /**
     * Peak activation memory when nodes run one at a time in topological order and each tensor lives from
     * its producer to its last consumer (graph inputs from the start, graph outputs to the end).
     * Initializers and Constant outputs are weights, not activations. Symbolic dimensions count as 1.
     *
     * @param peakBytes the largest sum of live tensor bytes at any node
     * @param peakNode the node at which the peak is first reached ("" for an empty graph)
     * @param batchAssumedOne true when a live tensor had a symbolic dimension taken as 1
     * @param excludedTensors tensors left out because their shape is unresolved
     */
    public record ActivationMemory(long peakBytes, String peakNode, boolean batchAssumedOne,
                                   List<String> excludedTensors) {
        /** Copies the list; requires the peak node ("" for none). */
        public ActivationMemory {
            Objects.requireNonNull(peakNode, "peakNode");
            excludedTensors = List.copyOf(excludedTensors);
        }
    }

    /** The numeric form of a model. */
    public enum QuantizationForm {
        /** Float32 compute, no quantization operators. */
        FP32,
        /** Float16 weights and compute, no quantization operators. */
        FP16,
        /** QuantizeLinear/DequantizeLinear pairs around float compute ops (Conv, MatMul, Gemm, ...). */
        QDQ_INT8,
        /** Quantized operators: QLinearConv, QLinearMatMul, com.microsoft QLinearAdd, ... */
        QOPERATOR_INT8,
        /** DynamicQuantizeLinear with MatMulInteger/ConvInteger. */
        DYNAMIC_INT8,
        /** More than one of the quantized forms. */
        MIXED
    }

    /** The report as JSON with a fixed key order; numbers are exact integers. */
    public String toJson() {
        return ReportFormat.json(this);
    }

    /** The report as a readable multi-line table for a terminal. */
    public String toText() {
        return ReportFormat.text(this);
    }
}
