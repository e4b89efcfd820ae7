package dev.outpost.optimizer;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What a quantization run did, for the trade-off report.
 *
 * @param source the original model file
 * @param output the quantized model file
 * @param sourceBytes size of the original
 * @param outputBytes size of the quantized model
 * @param typeChoice the 8-bit types and why they were chosen for the target
 * @param opsetChanges what the opset upgrade changed (empty when the model was already at opset 13)
 * @param quantizedOps quantized nodes by operator type
 * @param keptFloat nodes left in float and why
 * @param calibration the calibration data's description (empty for dynamic quantization)
 * @param calibratedTensors the number of activation ranges calibrated
 * @param fusedOps the operator histogram of the quantized model after ONNX Runtime's extended graph
 *     optimizations, which shows whether the QDQ groups were fused into integer kernels (QLinearConv, ...)
 * @param sensitive with mixed precision: the ten most sensitive nodes and their SQNR, most sensitive first
 * @param baseline with mixed precision: the fp32 model's metric; NaN otherwise
 * @param mixedPrecision with mixed precision: every configuration tried and its metric
 * @param elapsed wall time of the whole run
 */
public record QuantizationResult(Path source, Path output, long sourceBytes, long outputBytes, String typeChoice,
        List<String> opsetChanges, Map<String, Integer> quantizedOps, Map<String, String> keptFloat,
        String calibration, int calibratedTensors, Map<String, Integer> fusedOps, List<String> sensitive,
        double baseline, List<AccuracyBudget.Step> mixedPrecision, Duration elapsed) {

    /** Copies the collections. */
    public QuantizationResult {
        opsetChanges = List.copyOf(opsetChanges);
        quantizedOps = Map.copyOf(quantizedOps);
        keptFloat = Map.copyOf(keptFloat);
        fusedOps = Map.copyOf(fusedOps);
        sensitive = List.copyOf(sensitive);
        mixedPrecision = List.copyOf(mixedPrecision);
    }

    /** Output size over input size. */
    public double sizeRatio() {
        return sourceBytes == 0 ? 0 : (double) outputBytes / sourceBytes;
    }

    /** Nodes that ONNX Runtime runs as integer kernels after fusion. */
    public int integerKernels() {
        return fusedOps.entrySet().stream()
                .filter(e -> e.getKey().contains("QLinear") || e.getKey().contains("QGemm")
                        || e.getKey().contains("MatMulInteger") || e.getKey().contains("DynamicQuantizeMatMul")
                        || e.getKey().contains("ConvInteger"))
                .mapToInt(Map.Entry::getValue).sum();
    }

    /** QuantizeLinear / DequantizeLinear nodes ONNX Runtime could not fuse away. */
    public int unfusedQdq() {
        return fusedOps.entrySet().stream()
                .filter(e -> e.getKey().endsWith("QuantizeLinear") || e.getKey().endsWith("DequantizeLinear"))
                .mapToInt(Map.Entry::getValue).sum();
    }
}
