package dev.outpost.optimizer;

import java.util.Locale;

/**
 * How the range of an activation is chosen from the values seen during calibration
 * (REFERENCE-INFERENCE.md 2.3).
 */
public enum CalibrationMethod {
    /** The smallest and largest value seen: no clipping, so outliers widen the steps for everything else. */
    MINMAX,
    /**
     * The mean over samples of each sample's smallest and largest value (the range estimator of NNCF's
     * post-training quantization): rare extremes of single samples weigh less.
     */
    MEAN_MINMAX,
    /**
     * Clips the given percentile on each tail of the value histogram (default 99.999), trading rare
     * outliers for finer steps.
     */
    PERCENTILE,
    /**
     * The range whose 8-bit quantization has the smallest expected squared error over the value
     * histogram, clipping and rounding together (both ends shrunk by one factor).
     */
    MSE,
    /**
     * The threshold whose 8-bit histogram loses least information (smallest KL divergence to the full
     * histogram), TensorRT's method: searched over a 2048-bin histogram of absolute values against 128
     * quantized bins by default.
     */
    ENTROPY;

    /** Parses {@code minmax}, {@code percentile} or {@code entropy} (any case). */
    public static CalibrationMethod parse(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "minmax" -> MINMAX;
            case "meanminmax" -> MEAN_MINMAX;
            case "percentile" -> PERCENTILE;
            case "mse" -> MSE;
            case "entropy", "kl" -> ENTROPY;
            default -> throw new OptimizerException(OptimizerException.Code.INVALID_OPTION,
                    "Unknown calibration method '" + name + "'; expected minmax, mean-minmax, percentile, mse or entropy");
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
