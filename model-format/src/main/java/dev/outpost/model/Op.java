package dev.outpost.model;

import static dev.outpost.model.AttributeType.FLOAT;
import static dev.outpost.model.AttributeType.FLOATS;
import static dev.outpost.model.AttributeType.GRAPH;
import static dev.outpost.model.AttributeType.INT;
import static dev.outpost.model.AttributeType.INTS;
import static dev.outpost.model.AttributeType.STRING;
import static dev.outpost.model.AttributeType.STRINGS;
import static dev.outpost.model.AttributeType.TENSOR;

import dev.outpost.model.OpSchema.AttributeSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The typed operator catalog: every operator Outpost can build, with its {@link OpSchema}. Covers
 * every operator used by the shared reference models (34 distinct), the common vision and
 * transformer operators of the default ONNX domain, and the {@code com.microsoft} operators ONNX
 * Runtime writes into optimized and quantized models.
 *
 * <p>Each schema is the current one (the newest opset version's arity and attributes).
 * {@link OpSchema#sinceVersion()} is the first opset version with these inputs and outputs; some
 * optional attributes are newer than that and are not version-checked (e.g.
 * {@code AveragePool.dilations} and {@code Split.num_outputs}, opset 19 and 18). A few attributes that
 * newer versions moved to inputs are kept as optional attributes so older models still conform:
 * {@code Dropout.ratio}, {@code Reduce*.axes}.
 * The file is long because it is a table, one line per operator.
 *
 * <p>Immutable and thread-safe.
 */
public enum Op {
    // ---- element-wise unary ----
    ABS("Abs", 13, 1, 1), ACOS("Acos", 7, 1, 1), ASIN("Asin", 7, 1, 1), ATAN("Atan", 7, 1, 1),
    CEIL("Ceil", 13, 1, 1), COS("Cos", 7, 1, 1), ERF("Erf", 13, 1, 1), EXP("Exp", 13, 1, 1),
    FLOOR("Floor", 13, 1, 1), IDENTITY("Identity", 1, 1, 1), IS_NAN("IsNaN", 13, 1, 1), LOG("Log", 13, 1, 1),
    NEG("Neg", 13, 1, 1), NOT("Not", 1, 1, 1), RECIPROCAL("Reciprocal", 13, 1, 1), RELU("Relu", 6, 1, 1),
    ROUND("Round", 11, 1, 1), SIGMOID("Sigmoid", 6, 1, 1), SIGN("Sign", 13, 1, 1), SIN("Sin", 7, 1, 1),
    SOFTPLUS("Softplus", 1, 1, 1), SOFTSIGN("Softsign", 1, 1, 1), SQRT("Sqrt", 13, 1, 1), TAN("Tan", 7, 1, 1),
    TANH("Tanh", 6, 1, 1), HARD_SWISH("HardSwish", 14, 1, 1), MISH("Mish", 18, 1, 1),
    ELU("Elu", 6, 1, 1, opt("alpha", FLOAT)),
    LEAKY_RELU("LeakyRelu", 6, 1, 1, opt("alpha", FLOAT)),
    SELU("Selu", 6, 1, 1, opt("alpha", FLOAT), opt("gamma", FLOAT)),
    HARD_SIGMOID("HardSigmoid", 6, 1, 1, opt("alpha", FLOAT), opt("beta", FLOAT)),
    CELU("Celu", 12, 1, 1, opt("alpha", FLOAT)),
    THRESHOLDED_RELU("ThresholdedRelu", 10, 1, 1, opt("alpha", FLOAT)),
    GELU("Gelu", 20, 1, 1, opt("approximate", STRING)),
    PRELU("PRelu", 9, 2, 2),
    CLIP("Clip", 11, 1, 3),
    // ---- element-wise binary and variadic ----
    ADD("Add", 7, 2, 2), SUB("Sub", 7, 2, 2), MUL("Mul", 7, 2, 2), DIV("Div", 7, 2, 2), POW("Pow", 7, 2, 2),
    AND("And", 7, 2, 2), OR("Or", 7, 2, 2), XOR("Xor", 7, 2, 2), EQUAL("Equal", 7, 2, 2),
    GREATER("Greater", 7, 2, 2), LESS("Less", 7, 2, 2), GREATER_OR_EQUAL("GreaterOrEqual", 12, 2, 2),
    LESS_OR_EQUAL("LessOrEqual", 12, 2, 2), MOD("Mod", 10, 2, 2, opt("fmod", INT)),
    BIT_SHIFT("BitShift", 11, 2, 2, req("direction", STRING)),
    MAX("Max", 8, 1, OpSchema.VARIADIC), MIN("Min", 8, 1, OpSchema.VARIADIC), SUM("Sum", 8, 1, OpSchema.VARIADIC),
    MEAN("Mean", 8, 1, OpSchema.VARIADIC), WHERE("Where", 9, 3, 3),
    // ---- convolution, matrix products, pooling ----
    CONV("Conv", 1, 2, 3, conv()),
    CONV_TRANSPOSE("ConvTranspose", 1, 2, 3,
            with(conv(), opt("output_padding", INTS), opt("output_shape", INTS))),
    CONV_INTEGER("ConvInteger", 10, 2, 4, conv()),
    QLINEAR_CONV("QLinearConv", 10, 8, 9, conv()),
    MAT_MUL("MatMul", 1, 2, 2), MAT_MUL_INTEGER("MatMulInteger", 10, 2, 4), QLINEAR_MAT_MUL("QLinearMatMul", 10, 8, 8),
    GEMM("Gemm", 11, 2, 3, opt("alpha", FLOAT), opt("beta", FLOAT), opt("transA", INT), opt("transB", INT)),
    MAX_POOL("MaxPool", 12, 1, 1, 1, 2, with(pool(), opt("dilations", INTS), opt("storage_order", INT))),
    AVERAGE_POOL("AveragePool", 10, 1, 1, with(pool(), opt("count_include_pad", INT), opt("dilations", INTS))),
    LP_POOL("LpPool", 11, 1, 1, with(pool(), opt("dilations", INTS), opt("p", INT))),
    GLOBAL_AVERAGE_POOL("GlobalAveragePool", 1, 1, 1), GLOBAL_MAX_POOL("GlobalMaxPool", 1, 1, 1),
    GLOBAL_LP_POOL("GlobalLpPool", 2, 1, 1, opt("p", INT)),
    // ---- normalization ----
    BATCH_NORMALIZATION("BatchNormalization", 9, 5, 5, 1, 3,
            opt("epsilon", FLOAT), opt("momentum", FLOAT), opt("training_mode", INT)),
    INSTANCE_NORMALIZATION("InstanceNormalization", 6, 3, 3, opt("epsilon", FLOAT)),
    LAYER_NORMALIZATION("LayerNormalization", 17, 2, 3, 1, 3,
            opt("axis", INT), opt("epsilon", FLOAT), opt("stash_type", INT)),
    GROUP_NORMALIZATION("GroupNormalization", 21, 3, 3,
            opt("epsilon", FLOAT), req("num_groups", INT), opt("stash_type", INT)),
    LRN("LRN", 13, 1, 1, opt("alpha", FLOAT), opt("beta", FLOAT), opt("bias", FLOAT), req("size", INT)),
    DROPOUT("Dropout", 7, 1, 3, 1, 2, opt("seed", INT), opt("ratio", FLOAT)),
    SOFTMAX("Softmax", 13, 1, 1, opt("axis", INT)),
    LOG_SOFTMAX("LogSoftmax", 13, 1, 1, opt("axis", INT)),
    HARDMAX("Hardmax", 13, 1, 1, opt("axis", INT)),
    // ---- shape and layout ----
    CONCAT("Concat", 4, 1, OpSchema.VARIADIC, req("axis", INT)),
    RESHAPE("Reshape", 5, 2, 2, opt("allowzero", INT)),
    FLATTEN("Flatten", 1, 1, 1, opt("axis", INT)),
    TRANSPOSE("Transpose", 1, 1, 1, opt("perm", INTS)),
    SQUEEZE("Squeeze", 13, 1, 2), UNSQUEEZE("Unsqueeze", 13, 2, 2),
    SPLIT("Split", 13, 1, 2, 1, OpSchema.VARIADIC, opt("axis", INT), opt("num_outputs", INT)),
    SLICE("Slice", 10, 3, 5),
    GATHER("Gather", 1, 2, 2, opt("axis", INT)),
    GATHER_ELEMENTS("GatherElements", 11, 2, 2, opt("axis", INT)),
    GATHER_ND("GatherND", 12, 2, 2, opt("batch_dims", INT)),
    SCATTER_ND("ScatterND", 16, 3, 3, opt("reduction", STRING)),
    SCATTER_ELEMENTS("ScatterElements", 16, 3, 3, opt("axis", INT), opt("reduction", STRING)),
    SHAPE("Shape", 1, 1, 1, opt("end", INT), opt("start", INT)),
    SIZE("Size", 1, 1, 1),
    CONSTANT("Constant", 1, 0, 0, 1, 1, opt("value", TENSOR), opt("value_float", FLOAT),
            opt("value_floats", FLOATS), opt("value_int", INT), opt("value_ints", INTS),
            opt("value_string", STRING), opt("value_strings", STRINGS)),
    CONSTANT_OF_SHAPE("ConstantOfShape", 9, 1, 1, opt("value", TENSOR)),
    CAST("Cast", 6, 1, 1, req("to", INT), opt("saturate", INT)),
    CAST_LIKE("CastLike", 15, 2, 2, opt("saturate", INT)),
    RESIZE("Resize", 11, 1, 4, opt("antialias", INT), opt("axes", INTS),
            opt("coordinate_transformation_mode", STRING), opt("cubic_coeff_a", FLOAT),
            opt("exclude_outside", INT), opt("extrapolation_value", FLOAT),
            opt("keep_aspect_ratio_policy", STRING), opt("mode", STRING), opt("nearest_mode", STRING)),
    UPSAMPLE("Upsample", 9, 2, 2, opt("mode", STRING)),
    PAD("Pad", 11, 2, 4, opt("mode", STRING)),
    TILE("Tile", 6, 2, 2), EXPAND("Expand", 8, 2, 2), RANGE("Range", 11, 3, 3),
    DEPTH_TO_SPACE("DepthToSpace", 11, 1, 1, req("blocksize", INT), opt("mode", STRING)),
    SPACE_TO_DEPTH("SpaceToDepth", 1, 1, 1, req("blocksize", INT)),
    TRILU("Trilu", 14, 1, 2, opt("upper", INT)),
    ONE_HOT("OneHot", 11, 3, 3, opt("axis", INT)),
    CUM_SUM("CumSum", 11, 2, 2, opt("exclusive", INT), opt("reverse", INT)),
    EINSUM("Einsum", 12, 1, OpSchema.VARIADIC, req("equation", STRING)),
    // ---- reductions and selection ----
    REDUCE_MEAN("ReduceMean", 18, 1, 2, reduce()), REDUCE_SUM("ReduceSum", 13, 1, 2, reduce()),
    REDUCE_MAX("ReduceMax", 18, 1, 2, reduce()), REDUCE_MIN("ReduceMin", 18, 1, 2, reduce()),
    REDUCE_PROD("ReduceProd", 18, 1, 2, reduce()), REDUCE_L1("ReduceL1", 18, 1, 2, reduce()),
    REDUCE_L2("ReduceL2", 18, 1, 2, reduce()), REDUCE_SUM_SQUARE("ReduceSumSquare", 18, 1, 2, reduce()),
    REDUCE_LOG_SUM("ReduceLogSum", 18, 1, 2, reduce()), REDUCE_LOG_SUM_EXP("ReduceLogSumExp", 18, 1, 2, reduce()),
    ARG_MAX("ArgMax", 12, 1, 1, opt("axis", INT), opt("keepdims", INT), opt("select_last_index", INT)),
    ARG_MIN("ArgMin", 12, 1, 1, opt("axis", INT), opt("keepdims", INT), opt("select_last_index", INT)),
    TOP_K("TopK", 11, 2, 2, 2, 2, opt("axis", INT), opt("largest", INT), opt("sorted", INT)),
    NON_ZERO("NonZero", 9, 1, 1),
    NON_MAX_SUPPRESSION("NonMaxSuppression", 11, 2, 5, opt("center_point_box", INT)),
    // ---- quantization ----
    QUANTIZE_LINEAR("QuantizeLinear", 10, 2, 3, opt("axis", INT), opt("block_size", INT),
            opt("output_dtype", INT), opt("saturate", INT)),
    DEQUANTIZE_LINEAR("DequantizeLinear", 10, 2, 3, opt("axis", INT), opt("block_size", INT)),
    DYNAMIC_QUANTIZE_LINEAR("DynamicQuantizeLinear", 11, 1, 1, 3, 3),
    // ---- control flow and recurrence ----
    IF("If", 1, 1, 1, 1, OpSchema.VARIADIC, req("then_branch", GRAPH), req("else_branch", GRAPH)),
    LOOP("Loop", 1, 2, OpSchema.VARIADIC, 1, OpSchema.VARIADIC, req("body", GRAPH)),
    SCAN("Scan", 9, 1, OpSchema.VARIADIC, 1, OpSchema.VARIADIC, req("body", GRAPH), req("num_scan_inputs", INT),
            opt("scan_input_axes", INTS), opt("scan_input_directions", INTS), opt("scan_output_axes", INTS),
            opt("scan_output_directions", INTS)),
    LSTM("LSTM", 14, 3, 8, 0, 3, with(recurrent(), opt("input_forget", INT))),
    GRU("GRU", 14, 3, 6, 0, 2, with(recurrent(), opt("linear_before_reset", INT))),
    RNN("RNN", 14, 3, 6, 0, 2, recurrent()),
    // ---- sequences ----
    SEQUENCE_CONSTRUCT("SequenceConstruct", 11, 1, OpSchema.VARIADIC),
    SEQUENCE_EMPTY("SequenceEmpty", 11, 0, 0, opt("dtype", INT)),
    SEQUENCE_AT("SequenceAt", 11, 2, 2),
    SEQUENCE_INSERT("SequenceInsert", 11, 2, 3),
    SEQUENCE_ERASE("SequenceErase", 11, 1, 2),
    SEQUENCE_LENGTH("SequenceLength", 11, 1, 1),
    SPLIT_TO_SEQUENCE("SplitToSequence", 11, 1, 2, opt("axis", INT), opt("keepdims", INT)),
    CONCAT_FROM_SEQUENCE("ConcatFromSequence", 11, 1, 1, req("axis", INT), opt("new_axis", INT)),
    SEQUENCE_MAP("SequenceMap", 17, 1, OpSchema.VARIADIC, 1, OpSchema.VARIADIC, req("body", GRAPH)),
    // ---- ai.onnx.ml (classical ML) ----
    /** Exactly one of the two label attributes must be set; {@link Graph#add} checks it. */
    ML_ZIP_MAP(Domains.ML, "ZipMap", 1, 1, opt("classlabels_int64s", INTS), opt("classlabels_strings", STRINGS)),
    // ---- com.microsoft (ONNX Runtime contrib ops) ----
    MS_QLINEAR_ADD(Domains.MICROSOFT, "QLinearAdd", 7, 8),
    MS_QLINEAR_MUL(Domains.MICROSOFT, "QLinearMul", 7, 8),
    MS_QLINEAR_SIGMOID(Domains.MICROSOFT, "QLinearSigmoid", 4, 5),
    MS_QLINEAR_LEAKY_RELU(Domains.MICROSOFT, "QLinearLeakyRelu", 4, 5, opt("alpha", FLOAT)),
    MS_QLINEAR_GLOBAL_AVERAGE_POOL(Domains.MICROSOFT, "QLinearGlobalAveragePool", 4, 5, opt("channels_last", INT)),
    MS_QLINEAR_AVERAGE_POOL(Domains.MICROSOFT, "QLinearAveragePool", 4, 5,
            with(pool(), opt("channels_last", INT), opt("count_include_pad", INT))),
    MS_QLINEAR_CONCAT(Domains.MICROSOFT, "QLinearConcat", 5, OpSchema.VARIADIC, req("axis", INT)),
    MS_QGEMM(Domains.MICROSOFT, "QGemm", 6, 9, opt("alpha", FLOAT), opt("transA", INT), opt("transB", INT)),
    MS_FUSED_CONV(Domains.MICROSOFT, "FusedConv", 2, 4,
            with(conv(), opt("activation", STRING), opt("activation_params", FLOATS))),
    MS_FUSED_GEMM(Domains.MICROSOFT, "FusedGemm", 2, 3, opt("alpha", FLOAT), opt("beta", FLOAT),
            opt("transA", INT), opt("transB", INT), opt("activation", STRING), opt("activation_alpha", FLOAT),
            opt("activation_beta", FLOAT), opt("activation_gamma", FLOAT)),
    MS_FUSED_MAT_MUL(Domains.MICROSOFT, "FusedMatMul", 2, 2, opt("alpha", FLOAT), opt("transA", INT),
            opt("transB", INT), opt("transBatchA", INT), opt("transBatchB", INT)),
    MS_MAT_MUL_INTEGER_TO_FLOAT(Domains.MICROSOFT, "MatMulIntegerToFloat", 3, 6),
    MS_DYNAMIC_QUANTIZE_MAT_MUL(Domains.MICROSOFT, "DynamicQuantizeMatMul", 3, 5),
    MS_MAT_MUL_NBITS(Domains.MICROSOFT, "MatMulNBits", 3, 6, req("K", INT), req("N", INT), opt("bits", INT),
            req("block_size", INT), opt("accuracy_level", INT)),
    MS_QUANTIZE_LINEAR(Domains.MICROSOFT, "QuantizeLinear", 2, 3, opt("axis", INT)),
    MS_DEQUANTIZE_LINEAR(Domains.MICROSOFT, "DequantizeLinear", 2, 3, opt("axis", INT)),
    MS_GELU(Domains.MICROSOFT, "Gelu", 1, 1), MS_FAST_GELU(Domains.MICROSOFT, "FastGelu", 1, 2),
    MS_BIAS_GELU(Domains.MICROSOFT, "BiasGelu", 2, 2), MS_QUICK_GELU(Domains.MICROSOFT, "QuickGelu", 1, 1, opt("alpha", FLOAT)),
    MS_SKIP_LAYER_NORMALIZATION(Domains.MICROSOFT, "SkipLayerNormalization", 3, 5, 1, 4, opt("epsilon", FLOAT)),
    MS_EMBED_LAYER_NORMALIZATION(Domains.MICROSOFT, "EmbedLayerNormalization", 7, 9, 1, 3, opt("epsilon", FLOAT),
            opt("mask_index_type", INT)),
    MS_ATTENTION(Domains.MICROSOFT, "Attention", 2, 7, 1, 2, req("num_heads", INT), opt("unidirectional", INT),
            opt("qkv_hidden_sizes", INTS), opt("mask_filter_value", FLOAT), opt("scale", FLOAT),
            opt("do_rotary", INT), opt("past_present_share_buffer", INT)),
    MS_NHWC_MAX_POOL(Domains.MICROSOFT, "NhwcMaxPool", 1, 1, with(pool(), opt("dilations", INTS)));

    private final OpSchema schema;

    Op(String opType, int since, int minInputs, int maxInputs, AttributeSpec... attributes) {
        this("", opType, since, minInputs, maxInputs, 1, 1, attributes);
    }

    Op(String opType, int since, int minInputs, int maxInputs, int minOutputs, int maxOutputs,
            AttributeSpec... attributes) {
        this("", opType, since, minInputs, maxInputs, minOutputs, maxOutputs, attributes);
    }

    Op(Domains domain, String opType, int minInputs, int maxInputs, AttributeSpec... attributes) {
        this(domain.name, opType, 1, minInputs, maxInputs, 1, 1, attributes);
    }

    Op(Domains domain, String opType, int minInputs, int maxInputs, int minOutputs, int maxOutputs,
            AttributeSpec... attributes) {
        this(domain.name, opType, 1, minInputs, maxInputs, minOutputs, maxOutputs, attributes);
    }

    Op(String domain, String opType, int since, int minInputs, int maxInputs, int minOutputs, int maxOutputs,
            AttributeSpec... attributes) {
        this.schema = new OpSchema(domain, opType, since, minInputs, maxInputs, minOutputs, maxOutputs,
                List.of(attributes));
    }

    /** Domains other than the default one; an enum so that constants can name them. */
    enum Domains {
        MICROSOFT("com.microsoft"),
        ML("ai.onnx.ml");

        final String name;

        Domains(String name) {
            this.name = name;
        }
    }

    /** The operator's schema. */
    public OpSchema schema() {
        return schema;
    }

    /** The operator name, e.g. {@code Conv}. */
    public String opType() {
        return schema.opType();
    }

    /** {@code ""} for the default ONNX domain. */
    public String domain() {
        return schema.domain();
    }

    private static AttributeSpec opt(String name, AttributeType type) {
        return new AttributeSpec(name, type, false);
    }

    private static AttributeSpec req(String name, AttributeType type) {
        return new AttributeSpec(name, type, true);
    }

    private static AttributeSpec[] with(AttributeSpec[] base, AttributeSpec... more) {
        List<AttributeSpec> all = new ArrayList<>(List.of(base));
        all.addAll(List.of(more));
        return all.toArray(AttributeSpec[]::new);
    }

    private static AttributeSpec[] conv() {
        return new AttributeSpec[] {opt("auto_pad", STRING), opt("dilations", INTS), opt("group", INT),
            opt("kernel_shape", INTS), opt("pads", INTS), opt("strides", INTS)};
    }

    private static AttributeSpec[] pool() {
        return new AttributeSpec[] {opt("auto_pad", STRING), opt("ceil_mode", INT), req("kernel_shape", INTS),
            opt("pads", INTS), opt("strides", INTS)};
    }

    private static AttributeSpec[] reduce() {
        return new AttributeSpec[] {opt("keepdims", INT), opt("noop_with_empty_axes", INT), opt("axes", INTS)};
    }

    private static AttributeSpec[] recurrent() {
        return new AttributeSpec[] {opt("activation_alpha", FLOATS), opt("activation_beta", FLOATS),
            opt("activations", STRINGS), opt("clip", FLOAT), opt("direction", STRING), opt("hidden_size", INT),
            opt("layout", INT)};
    }
}
