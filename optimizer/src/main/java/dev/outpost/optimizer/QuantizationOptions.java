package dev.outpost.optimizer;

import java.util.Optional;
import java.util.Set;

/**
 * Settings for int8 quantization. Defaults: static QDQ, MinMax calibration, per-channel int8
 * weights, uint8 asymmetric activations, reduce-range decided by the {@link TargetIsa} (off with VNNI
 * or on ARM), pre-optimization on. Immutable; build with {@link #builder()}.
 *
 * @param mode static (calibrated activations) or dynamic (activations quantized at run time)
 * @param method how activation ranges are chosen from calibration data
 * @param percentile for {@link CalibrationMethod#PERCENTILE}: the share of values kept (0, 100]
 * @param bins histogram bins for percentile and entropy calibration
 * @param quantizedBins for entropy calibration: levels simulated in the threshold search
 * @param perChannel one scale per output channel of Conv, ConvTranspose and Gemm weights
 * @param weights the weight type
 * @param activations the activation type
 * @param reduceRange 7-bit weights; empty means decided by the target
 * @param target the CPU the model is for
 * @param excludeOps operator types kept in float
 * @param excludeNodes node names kept in float
 * @param preOptimize run ONNX Runtime's basic graph optimizations (constant folding, BatchNorm folding) first
 * @param depthwisePerChannel with per-channel on, whether depthwise convolutions get per-channel weights too.
 *     ONNX Runtime's int8 depthwise kernels are much slower with them on x86 (MobileNetV2 int8 1.7x instead
 *     of 2.1x faster than fp32), but some models need them (YOLOX-nano). Empty (the default) decides per
 *     layer: per tensor when that loses at most {@value QdqPlan#DEPTHWISE_SQNR_MARGIN_DB} dB of weight SQNR
 *     against per channel, i.e. when the channels' ranges are alike
 * @param biasCorrection subtract from each Conv/Gemm bias the expected shift its weight rounding causes
 *     ({@code (W_q - W) * E[x]} with the input's channel means from calibration)
 */
public record QuantizationOptions(Mode mode, CalibrationMethod method, double percentile, int bins,
        int quantizedBins, boolean perChannel, QuantType weights, QuantType activations,
        Optional<Boolean> reduceRange, TargetIsa target, Set<String> excludeOps, Set<String> excludeNodes,
        boolean preOptimize, Optional<Boolean> depthwisePerChannel, boolean biasCorrection) {

    /** Static or dynamic quantization. */
    public enum Mode {
        /** Activation ranges from calibration data; QDQ graph. */
        STATIC,
        /** Weights quantized offline, activations at run time (DynamicQuantizeLinear); no calibration. */
        DYNAMIC
    }

    /** Checks the values; throws {@link OptimizerException} INVALID_OPTION naming the bad one. */
    public QuantizationOptions {
        excludeOps = Set.copyOf(excludeOps);
        excludeNodes = Set.copyOf(excludeNodes);
        if (!(percentile > 0 && percentile <= 100)) {
            throw invalid("--percentile must be in (0, 100]; received " + percentile);
        }
        if (bins < 128 || bins > 1 << 16) {
            throw invalid("--bins must be between 128 and 65536; received " + bins);
        }
        if (quantizedBins < 16 || quantizedBins >= bins) {
            throw invalid("--quantized-bins must be at least 16 and below --bins (" + bins + "); received "
                    + quantizedBins);
        }
        if (activations == QuantType.INT8 && weights == QuantType.UINT8) {
            throw invalid("int8 activations with uint8 weights is not a combination ONNX Runtime has kernels for;"
                    + " use uint8 activations, or int8 weights");
        }
        if (mode == Mode.DYNAMIC && activations == QuantType.INT8) {
            throw invalid("dynamic quantization always uses uint8 activations (DynamicQuantizeLinear produces"
                    + " uint8); received --activations int8");
        }
    }

    private static OptimizerException invalid(String message) {
        return new OptimizerException(OptimizerException.Code.INVALID_OPTION, message);
    }

    /** A builder with the defaults above. */
    public static Builder builder() {
        return new Builder();
    }

    /** Whether weights use 7 bits: the explicit choice, else the target's need. */
    public boolean effectiveReduceRange() {
        return reduceRange.orElse(target.needsReducedRange());
    }

    /** Why the types are what they are, for the report. */
    public String typeChoice() {
        String types = (activations == QuantType.UINT8 ? "U8" : "S8") + (weights == QuantType.UINT8 ? "U8" : "S8")
                + " (" + activations + " activations, " + weights + " weights" + (perChannel ? " per channel" : "")
                + (effectiveReduceRange() ? ", 7-bit reduce-range" : "") + ")";
        String why = reduceRange.isPresent() ? "reduce-range set explicitly" : target.reason();
        return types + " for " + target + ": " + why;
    }

    /** A one-line rendering of every option, recorded in provenance. */
    public String describe() {
        return "method=" + method
                + (method == CalibrationMethod.PERCENTILE ? ",percentile=" + percentile : "")
                + (method != CalibrationMethod.MINMAX ? ",bins=" + bins : "")
                + (method == CalibrationMethod.ENTROPY ? ",quantized_bins=" + quantizedBins : "")
                + ",per_channel=" + perChannel + (perChannel ? ",depthwise_per_channel=" + depthwisePerChannel.map(String::valueOf).orElse("auto") : "")
                + ",weights=" + weights + ",activations=" + activations
                + ",reduce_range=" + effectiveReduceRange() + ",target=" + target.name().toLowerCase(java.util.Locale.ROOT)
                + (excludeOps.isEmpty() ? "" : ",exclude_ops=" + String.join("|", new java.util.TreeSet<>(excludeOps)))
                + (excludeNodes.isEmpty() ? "" : ",exclude_nodes=" + String.join("|",
                        new java.util.TreeSet<>(excludeNodes)))
                + ",pre_optimize=" + preOptimize + (mode == Mode.STATIC ? ",bias_correction=" + biasCorrection : "");
    }

    /** Builds {@link QuantizationOptions}; every setter returns this builder. */
    public static final class Builder {
        private Mode mode = Mode.STATIC;
        private CalibrationMethod method = CalibrationMethod.MINMAX;
        private double percentile = 99.999;
        private int bins = 2048;
        private int quantizedBins = 128;
        private boolean perChannel = true;
        private QuantType weights = QuantType.INT8;
        private QuantType activations = QuantType.UINT8;
        private Optional<Boolean> reduceRange = Optional.empty();
        private TargetIsa target;
        private Set<String> excludeOps = Set.of();
        private Set<String> excludeNodes = Set.of();
        private boolean preOptimize = true;
        private boolean biasCorrection = true;
        private Optional<Boolean> depthwisePerChannel = Optional.empty();

        private Builder() {
        }

        public Builder mode(Mode value) {
            this.mode = value;
            return this;
        }

        public Builder method(CalibrationMethod value) {
            this.method = value;
            return this;
        }

        public Builder percentile(double value) {
            this.percentile = value;
            return this;
        }

        public Builder bins(int value) {
            this.bins = value;
            return this;
        }

        public Builder quantizedBins(int value) {
            this.quantizedBins = value;
            return this;
        }

        public Builder perChannel(boolean value) {
            this.perChannel = value;
            return this;
        }

        public Builder weights(QuantType value) {
            this.weights = value;
            return this;
        }

        public Builder activations(QuantType value) {
            this.activations = value;
            return this;
        }

        /** Forces 7-bit weights on or off; unset, the target decides. */
        public Builder reduceRange(boolean value) {
            this.reduceRange = Optional.of(value);
            return this;
        }

        public Builder target(TargetIsa value) {
            this.target = value;
            return this;
        }

        public Builder excludeOps(Set<String> value) {
            this.excludeOps = value;
            return this;
        }

        public Builder excludeNodes(Set<String> value) {
            this.excludeNodes = value;
            return this;
        }

        public Builder preOptimize(boolean value) {
            this.preOptimize = value;
            return this;
        }

        public Builder depthwisePerChannel(boolean value) {
            this.depthwisePerChannel = Optional.of(value);
            return this;
        }

        public Builder biasCorrection(boolean value) {
            this.biasCorrection = value;
            return this;
        }

        /** The options; the target defaults to the CPU this runs on. */
        public QuantizationOptions build() {
            return new QuantizationOptions(mode, method, percentile, bins, quantizedBins, perChannel, weights,
                    activations, reduceRange, target != null ? target : TargetIsa.detect(), excludeOps, excludeNodes,
                    preOptimize, depthwisePerChannel, biasCorrection);
        }
    }
}
