package dev.outpost.model;

import dev.outpost.model.ModelFormatException.Code;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Looks operators up by domain and type. The typed entries are the {@link Op} constants; for the
 * default ONNX domain the catalog also recognizes (without a schema) the remaining standard operator
 * names, so that validation does not report a valid but rarely used ONNX operator as unknown.
 *
 * <p>Stateless and thread-safe.
 */
public final class OpCatalog {

    /** The default ONNX domain, written {@code ""} (also spelled {@code ai.onnx}). */
    public static final String ONNX_DOMAIN = "";
    /** ONNX Runtime's contrib operators. */
    public static final String MICROSOFT_DOMAIN = "com.microsoft";
    /** ONNX's classical machine-learning operators; the catalog types only ZipMap of them. */
    public static final String ML_DOMAIN = "ai.onnx.ml";

    private static final Map<String, Op> BY_KEY = new HashMap<>();

    static {
        for (Op op : Op.values()) {
            BY_KEY.put(key(op.domain(), op.opType()), op);
        }
    }

    /** Standard ONNX operators (any opset up to 23) that have no typed {@link Op} entry. */
    private static final Set<String> OTHER_ONNX_OPS = Set.of(
            "Acosh", "Asinh", "Atanh", "Cosh", "Sinh", "AffineGrid", "Attention", "Bernoulli", "BitCast",
            "BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "BlackmanWindow", "CenterCropPad", "Col2Im",
            "Compress", "CumProd", "DFT", "DeformConv", "Det", "EyeLike", "GridSample", "HammingWindow",
            "HannWindow", "ImageDecoder", "IsInf", "LpNormalization", "MaxRoiPool", "MaxUnpool",
            "MeanVarianceNormalization", "MelWeightMatrix", "Multinomial", "NegativeLogLikelihoodLoss", "Optional",
            "OptionalGetElement", "OptionalHasElement", "RMSNormalization", "RandomNormal", "RandomNormalLike",
            "RandomUniform", "RandomUniformLike", "RegexFullMatch", "ReverseSequence", "RoiAlign", "RotaryEmbedding",
            "STFT", "Scatter", "Shrink", "SoftmaxCrossEntropyLoss", "StringConcat", "StringNormalizer",
            "StringSplit", "Swish", "TensorScatter", "TfIdfVectorizer", "Unique", "ImageScaler", "Crop", "Scale",
            "ScaledTanh", "ParametricSoftplus", "GRUUnit", "GivenTensorFill", "ATen", "Affine", "DynamicSlice");

    private OpCatalog() {
    }

    /** {@code ""} and {@code "ai.onnx"} both mean the default domain; returns {@code ""} for them. */
    public static String normalizeDomain(String domain) {
        return domain == null || domain.equals("ai.onnx") ? "" : domain;
    }

    /** The typed entry for {@code opType} in {@code domain}, if the catalog has one. */
    public static Optional<Op> find(String domain, String opType) {
        return Optional.ofNullable(BY_KEY.get(key(normalizeDomain(domain), opType)));
    }

    /**
     * The typed entry for {@code opType} in {@code domain}.
     *
     * @throws ModelFormatException UNKNOWN_OPERATOR naming the domain and close matches
     */
    public static Op require(String domain, String opType) {
        return find(domain, opType).orElseThrow(() -> new ModelFormatException(Code.UNKNOWN_OPERATOR,
                "Operator '" + opType + "' in domain '" + displayDomain(domain) + "' is not in the catalog"
                        + suggestion(domain, opType)));
    }

    /** True for domains whose operator set the catalog knows: the default domain and com.microsoft. */
    public static boolean knowsDomain(String domain) {
        String normalized = normalizeDomain(domain);
        return normalized.isEmpty() || normalized.equals(MICROSOFT_DOMAIN);
    }

    /** True when {@code opType} is an operator of {@code domain}, typed or (default domain) recognized by name. */
    public static boolean isKnown(String domain, String opType) {
        return find(domain, opType).isPresent()
                || (normalizeDomain(domain).isEmpty() && OTHER_ONNX_OPS.contains(opType));
    }

    static String displayDomain(String domain) {
        String normalized = normalizeDomain(domain);
        return normalized.isEmpty() ? "ai.onnx" : normalized;
    }

    private static String suggestion(String domain, String opType) {
        String lower = opType.toLowerCase(java.util.Locale.ROOT);
        return Arrays.stream(Op.values())
                .filter(op -> op.domain().equals(normalizeDomain(domain)))
                .filter(op -> op.opType().toLowerCase(java.util.Locale.ROOT).equals(lower)
                        || op.opType().toLowerCase(java.util.Locale.ROOT).startsWith(lower.substring(0, Math.min(3, lower.length()))))
                .map(Op::opType)
                .limit(5)
                .reduce((a, b) -> a + ", " + b)
                .map(names -> "; did you mean one of: " + names + "?")
                .orElse("");
    }

    private static String key(String domain, String opType) {
        return domain + "\u0000" + opType;
    }
}
