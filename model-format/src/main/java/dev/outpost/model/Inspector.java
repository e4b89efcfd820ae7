package dev.outpost.model;

import dev.outpost.model.proto.Onnx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a {@link ModelReport} from a model and its inferred types: header, I/O, operator histogram,
 * parameters, MACs ({@link MacCounter}), activation memory ({@link ActivationMemoryEstimator}),
 * quantization form and provenance metadata. Stateless; thread-safe.
 */
final class Inspector {

    private static final Set<String> FLOAT_COMPUTE = Set.of("Conv", "ConvTranspose", "Gemm", "MatMul");

    private Inspector() {
    }

    static ModelReport inspect(Onnx.ModelProto model, InferredTypes types) {
        try {
            return build(model, types);
        } catch (ArithmeticException e) {
            throw new ModelFormatException(ModelFormatException.Code.TOO_LARGE, "Model '" + model.getGraph().getName()
                    + "' has tensor sizes or MAC counts beyond 2^63: " + e.getMessage(), e);
        }
    }

    private static ModelReport build(Onnx.ModelProto model, InferredTypes types) {
        Onnx.GraphProto graph = model.getGraph();
        List<Onnx.NodeProto> order = ShapeInference.topologicalOrder(graph);
        Map<String, Long> opsets = new LinkedHashMap<>();
        for (Onnx.OperatorSetIdProto opset : model.getOpsetImportList()) {
            opsets.put(domainName(opset.getDomain()), opset.getVersion());
        }
        Set<String> initializers = new HashSet<>();
        graph.getInitializerList().forEach(tensor -> initializers.add(tensor.getName()));
        List<ModelReport.TensorSummary> inputs = new ArrayList<>();
        for (Onnx.ValueInfoProto input : graph.getInputList()) {
            if (!initializers.contains(input.getName())) {
                inputs.add(summary(input, types));
            }
        }
        List<ModelReport.TensorSummary> outputs = graph.getOutputList().stream().map(o -> summary(o, types)).toList();
        Map<String, String> metadata = new LinkedHashMap<>();
        model.getMetadataPropsList().forEach(entry -> metadata.put(entry.getKey(), entry.getValue()));
        return new ModelReport(model.getIrVersion(), opsets, model.getProducerName(), model.getProducerVersion(),
                graph.getName(), inputs, outputs, histogram(graph), parameters(graph),
                MacCounter.count(order, types), ActivationMemoryEstimator.estimate(graph, order, types),
                quantizationForm(graph), metadata, types.unresolved());
    }

    private static String domainName(String domain) {
        return domain.isEmpty() ? "ai.onnx" : domain;
    }

    private static ModelReport.TensorSummary summary(Onnx.ValueInfoProto value, InferredTypes types) {
        TypeAndShape found = types.find(value.getName()).orElse(ShapeInference.declared(value));
        if (found == null) {
            found = new TypeAndShape(ElementType.UNDEFINED, Shape.unknownRank());
        }
        return new ModelReport.TensorSummary(value.getName(), found.elementType(), found.shape());
    }

    private static Map<String, Integer> histogram(Onnx.GraphProto graph) {
        Map<String, Integer> counts = new HashMap<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            counts.merge(domainName(node.getDomain()) + ":" + node.getOpType(), 1, Integer::sum);
        }
        Map<String, Integer> sorted = new LinkedHashMap<>();
        counts.entrySet().stream()
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .forEach(entry -> sorted.put(entry.getKey(), entry.getValue()));
        return sorted;
    }

    private static ModelReport.Parameters parameters(Onnx.GraphProto graph) {
        Set<String> quantizationParameters = quantizationParameterNames(graph);
        Map<ElementType, long[]> byType = new HashMap<>();
        long count = 0;
        long bytes = 0;
        long quantCount = 0;
        long quantBytes = 0;
        for (Onnx.TensorProto tensor : graph.getInitializerList()) {
            ElementType type = ElementType.fromCode(tensor.getDataType()).orElse(ElementType.UNDEFINED);
            long elements = 1;
            for (long dim : tensor.getDimsList()) {
                elements = Math.multiplyExact(elements, dim);
            }
            long size = type == ElementType.STRING ? tensor.getStringDataList().stream().mapToLong(s -> s.size()).sum()
                    : type.bytesFor(elements);
            long[] totals = byType.computeIfAbsent(type, t -> new long[2]);
            totals[0] = Math.addExact(totals[0], elements);
            totals[1] = Math.addExact(totals[1], size);
            count = Math.addExact(count, elements);
            bytes = Math.addExact(bytes, size);
            if (quantizationParameters.contains(tensor.getName())) {
                quantCount = Math.addExact(quantCount, elements);
                quantBytes = Math.addExact(quantBytes, size);
            }
        }
        Map<ElementType, ModelReport.Totals> sorted = new LinkedHashMap<>();
        byType.entrySet().stream().sorted(Comparator.comparingLong((Map.Entry<ElementType, long[]> e) -> e.getValue()[1])
                        .reversed().thenComparing(Map.Entry::getKey))
                .forEach(e -> sorted.put(e.getKey(), new ModelReport.Totals(e.getValue()[0], e.getValue()[1])));
        return new ModelReport.Parameters(new ModelReport.Totals(count, bytes), sorted,
                new ModelReport.Totals(quantCount, quantBytes));
    }

    /** Names of the tensors fed to scale or zero-point inputs of quantization operators. */
    private static Set<String> quantizationParameterNames(Onnx.GraphProto graph) {
        Set<String> names = new HashSet<>();
        for (Onnx.NodeProto node : graph.getNodeList()) {
            String op = node.getOpType();
            for (int i = 0; i < node.getInputCount(); i++) {
                boolean parameter = switch (op) {
                    case "QuantizeLinear", "DequantizeLinear", "QLinearGlobalAveragePool", "QLinearAveragePool",
                         "QLinearSigmoid", "QLinearLeakyRelu", "QLinearSoftmax" -> i > 0;
                    case "QLinearConv" -> i != 0 && i != 3 && i != 8;
                    case "QLinearMatMul", "QLinearAdd", "QLinearMul" -> i != 0 && i != 3;
                    case "ConvInteger", "MatMulInteger" -> i > 1;
                    case "QLinearConcat" -> i < 2 || (i - 2) % 3 != 0;
                    default -> false;
                };
                if (parameter) {
                    names.add(node.getInput(i));
                }
            }
        }
        return names;
    }

    static ModelReport.QuantizationForm quantizationForm(Onnx.GraphProto graph) {
        Set<String> dequantized = new HashSet<>();
        boolean qOperator = false;
        boolean dynamic = false;
        for (Onnx.NodeProto node : graph.getNodeList()) {
            String op = node.getOpType();
            qOperator |= op.startsWith("QLinear") || op.equals("QGemm") || op.equals("QAttention");
            dynamic |= op.equals("DynamicQuantizeLinear") || op.equals("MatMulInteger") || op.equals("ConvInteger");
            if (op.equals("DequantizeLinear")) {
                dequantized.addAll(node.getOutputList());
            }
        }
        boolean qdq = graph.getNodeList().stream().anyMatch(node -> FLOAT_COMPUTE.contains(node.getOpType())
                && node.getInputList().stream().anyMatch(dequantized::contains));
        int forms = (qOperator ? 1 : 0) + (dynamic ? 1 : 0) + (qdq ? 1 : 0);
        if (forms > 1) {
            return ModelReport.QuantizationForm.MIXED;
        }
        if (forms == 1) {
            return qOperator ? ModelReport.QuantizationForm.QOPERATOR_INT8
                    : dynamic ? ModelReport.QuantizationForm.DYNAMIC_INT8 : ModelReport.QuantizationForm.QDQ_INT8;
        }
        long half = 0;
        long single = 0;
        for (Onnx.TensorProto tensor : graph.getInitializerList()) {
            long elements = tensor.getDimsList().stream().reduce(1L, Math::multiplyExact);
            if (tensor.getDataType() == ElementType.FLOAT16.code()) {
                half += elements;
            } else if (tensor.getDataType() == ElementType.FLOAT.code()) {
                single += elements;
            }
        }
        return half > single ? ModelReport.QuantizationForm.FP16 : ModelReport.QuantizationForm.FP32;
    }
}
