package dev.outpost.serving;

import static dev.outpost.serving.Fuzzing.concat;
import static dev.outpost.serving.Fuzzing.flipBits;
import static dev.outpost.serving.Fuzzing.pick;
import static dev.outpost.serving.Fuzzing.randomBytes;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Makes up REST calls for {@link FuzzTest}: valid OIP inference requests (JSON tensors, binary tensor
 * data with {@code Inference-Header-Content-Length}, binary outputs; fields in random order), and
 * mutations of them: JSON-level (wrong, negative and huge shapes, wrong datatypes, bad values, unknown
 * fields, duplicate and missing inputs, bad parameters), byte-level (truncation, bit and byte flips,
 * inserted and deleted bytes), header-level, garbage and deeply nested bodies, other encodings,
 * unknown models and versions, the metadata, readiness and repository endpoints, image endpoints with
 * damaged images and multipart bodies, and bodies over the size limit. Stateless apart from its
 * inputs; every choice comes from the {@link Random} passed in.
 */
final class RestFuzzer {

    /** A REST call and what it must get. */
    record Call(String kind, String method, String path, byte[] body, String contentType, List<String> headers,
                int status, FuzzSample sample, boolean binaryOut, String image) {

        /** Any status below 500 is fine, and an error must be an OIP error body. */
        static final int ANY = 0;

        /** The call for an assertion message: kind, method, path, headers and the start of the body. */
        String describe() {
            String text = new String(body, 0, Math.min(body.length, 300), StandardCharsets.ISO_8859_1)
                    .replaceAll("[^\\x20-\\x7e]", "?");
            return kind + " " + method + " " + path + " headers " + headers + " content-type " + contentType + ", "
                    + body.length + " bytes: " + text + (body.length > 300 ? "..." : "");
        }
    }

    static final String INFERENCE_HEADER = OipCodec.HEADER_LENGTH;
    private static final List<String> DATATYPES = List.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8",
            "INT16", "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES", "BF16", "fp32", "FP32 ", "", "STRING",
            "FLOAT", "INT128", "UINT8\u0000", "\u2603");
    private static final List<String> SHAPES = List.of("[]", "[0]", "[1]", "[4]", "[5]", "[1,4]", "[2,2]", "[784]",
            "[1,784]", "[1,1,28]", "[1,1,28,28,1]", "[1,0,28,28]", "[28,28,1,1]", "[-1]", "[1,-1,28,28]",
            "[2147483647]", "[2147483648]", "[4294967296,4294967296]", "[9223372036854775807]",
            "[9223372036854775807,2]", "[99999999999999999999]", "[-9223372036854775808]", "[65536,65536]",
            "[100000000]", "[268435456]", "[1073741824]", "[1,1,100000,100000]", "[1.5]", "[1e3]", "[\"4\"]",
            "[null]", "[true]", "[[4]]", "null", "{}", "\"[4]\"", "4", "[3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3,3]");
    private static final List<String> VALUES = List.of("null", "true", "false", "0", "-0", "1", "-1", "0.5", "-0.0",
            "1e400", "-1e400", "1e-400", "NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "\"1\"", "\"\"",
            "\"\\u0000\"", "\"\\ud800\"", "\"a\\nb\"", "\"\\\"\"", "99999999999999999999999", "-9223372036854775809",
            "9223372036854775808", "18446744073709551615", "18446744073709551616", "256", "-129", "4294967296",
            "1.7976931348623157e308", "3.4028236e38", "{}", "[]", "[[]]", "{\"a\":1}", "[1,[2,[3]]]",
            "1" + "0".repeat(1100), "0." + "1".repeat(1100), "\"" + "x".repeat(5000) + "\"", "01", "+1", ".5", "1.",
            "0x10", "'a'", "tru", "nul");
    private static final List<String> NAMES = List.of("", " ", "x", "y", "Input3", "input3", "Input3 ", "text",
            "echo", "Plus214_Output_0", "\u0000", "\u2603", "a\\\"b", "z".repeat(3000));
    private static final List<String> UNKNOWN_MODELS = List.of("nope", "MNIST", "mnist_", "Mnist", "m%C3%A9",
            "%E2%98%83", "a%20b", "x".repeat(300), "id_int32", "text2", "%2E%2E", "0", "-1", "null", "%25");
    private static final List<String> VERSIONS = List.of("2", "0", "-1", "latest", "1.0", "%FF",
            "9999999999999999999", "18446744073709551617", "1%20", "one");
    private static final byte[] INTERESTING = {0, -1, 0x7f, -128, '{', '}', '[', ']', '"', '\\', ',', ':', '0', '-',
            'e', '.', ' ', '\n'};

    private final List<FuzzSample> samples;
    private final long maxBody;
    private final Map<String, byte[]> images;
    private final List<String> models;
    private final List<Map.Entry<Integer, Function<Random, Call>>> makers = List.of(
            Map.entry(20, this::anyValid),
            Map.entry(28, this::jsonMutation),
            Map.entry(18, this::byteMutation),
            Map.entry(6, this::headerMutation),
            Map.entry(9, this::garbage),
            Map.entry(4, this::unknownName),
            Map.entry(6, this::image),
            Map.entry(8, this::otherEndpoint),
            Map.entry(1, this::tooLarge),
            Map.entry(4, this::compressed));

    /**
     * @param samples the valid inputs
     * @param maxBody the server's body limit (a body one byte over must get 413)
     * @param images valid image files by kind ({@code png}, {@code jpeg}) for the classify endpoint of {@code mnist}
     */
    RestFuzzer(List<FuzzSample> samples, long maxBody, Map<String, byte[]> images) {
        this.samples = samples;
        this.maxBody = maxBody;
        this.images = images;
        this.models = samples.stream().map(FuzzSample::model).distinct().toList();
    }

    /**
     * The next call: 20 % valid inference requests, 28 % JSON-level mutations, 18 % byte-level, 6 %
     * header-level, 9 % garbage bodies, 4 % unknown models and versions, 6 % image endpoints, 8 % other
     * endpoints, 1 % bodies over the size limit (of 104: 4 more are compressed bodies).
     */
    Call next(Random random) {
        return Fuzzing.weighted(random, makers);
    }

    // ---- valid requests --------------------------------------------------------------------------

    /** An inference request under construction: the top-level object, inputs, outputs and binary data. */
    private static final class Request {
        final FuzzSample sample;
        final FuzzJson top = new FuzzJson();
        final List<FuzzJson> inputs = new ArrayList<>();
        final List<FuzzJson> outputs = new ArrayList<>();
        byte[] binary;
        String path;

        Request(FuzzSample sample) {
            this.sample = sample;
            this.path = "/v2/models/" + sample.model() + "/infer";
        }

        byte[] json(Random random) {
            FuzzJson copy = new FuzzJson();
            copy.fields.addAll(top.fields);
            if (!copy.has("inputs")) {
                copy.put("inputs", array(inputs, random));
            }
            if (!copy.has("outputs") && !outputs.isEmpty()) {
                copy.put("outputs", array(outputs, random));
            }
            return copy.render(random).getBytes(StandardCharsets.UTF_8);
        }

        private static String array(List<FuzzJson> objects, Random random) {
            List<String> parts = new ArrayList<>();
            objects.forEach(object -> parts.add(object.render(random)));
            return "[" + String.join("," + FuzzJson.space(random), parts) + "]";
        }
    }

    private static Request request(Random random, FuzzSample sample, boolean binaryIn, boolean binaryOut) {
        Request request = new Request(sample);
        request.top.put("id", "\"fuzz\"");
        FuzzJson input = new FuzzJson().put("name", FuzzSample.quote(sample.input()))
                .put("datatype", FuzzSample.quote(sample.datatype())).put("shape", sample.shapeJson());
        if (binaryIn) {
            input.put("parameters", "{\"binary_data_size\":" + sample.raw().length + "}");
            request.binary = sample.raw();
        } else {
            input.put("data", sample.dataJson(random.nextBoolean()));
        }
        request.inputs.add(input);
        if (binaryOut) {
            if (random.nextBoolean()) {
                request.top.put("parameters", "{\"binary_data_output\":true}");
            } else {
                request.outputs.add(new FuzzJson().put("name", FuzzSample.quote(sample.output()))
                        .put("parameters", "{\"binary_data\":true}"));
            }
        } else if (random.nextInt(4) == 0) {
            request.outputs.add(new FuzzJson().put("name", FuzzSample.quote(sample.output())));
        }
        return request;
    }

    private Call anyValid(Random random) {
        return valid(random, pick(random, samples));
    }

    private Call valid(Random random, FuzzSample sample) {
        boolean binaryIn = random.nextBoolean();
        boolean binaryOut = random.nextInt(3) == 0;
        Request request = request(random, sample, binaryIn, binaryOut);
        if (random.nextInt(5) == 0) {
            request.path = "/v2/models/" + sample.model() + "/versions/1/infer";
        }
        return call("valid " + (binaryIn ? "binary-in" : "json-in") + (binaryOut ? " binary-out" : ""), request,
                random, 200, sample, binaryOut);
    }

    private static Call call(String kind, Request request, Random random, int status, FuzzSample sample,
                             boolean binaryOut) {
        byte[] json = request.json(random);
        if (request.binary == null) {
            return new Call(kind, "POST", request.path, json, "application/json", List.of(), status, sample,
                    binaryOut, null);
        }
        return new Call(kind, "POST", request.path, concat(json, request.binary), "application/octet-stream",
                List.of(INFERENCE_HEADER, String.valueOf(json.length)), status, sample, binaryOut, null);
    }

    // ---- JSON-level mutations --------------------------------------------------------------------

    private FuzzJson someInput(Random random, Request request) {
        if (request.inputs.isEmpty()) {
            request.inputs.add(new FuzzJson().put("name", "\"x\""));
        }
        return pick(random, request.inputs);
    }

    private final List<Map.Entry<String, BiConsumer<Random, Request>>> mutations = mutations();

    private List<Map.Entry<String, BiConsumer<Random, Request>>> mutations() {
        return List.of(
            Map.entry("shape", (random, request) -> someInput(random, request).put("shape", pick(random, SHAPES))),
            Map.entry("shape-large-with-data", (random, request) -> someInput(random, request)
                    .put("shape", pick(random, List.of("[100000000]", "[268435456]", "[1073741824]", "[2147483647]",
                            "[65536,32768]", "[1,1,28,2800000]"))).put("data", "[1]")),
            Map.entry("datatype", (random, request) -> someInput(random, request).put("datatype",
                    random.nextInt(6) == 0 ? pick(random, List.of("1", "null", "[]", "{}", "true"))
                            : FuzzSample.quote(pick(random, DATATYPES)))),
            Map.entry("value", (random, request) -> {
                FuzzSample sample = request.sample;
                List<String> values = new ArrayList<>(sample.json());
                int changes = 1 + random.nextInt(3);
                for (int i = 0; i < changes; i++) {
                    values.set(random.nextInt(values.size()), pick(random, VALUES));
                }
                someInput(random, request).put("data", "[" + String.join(",", values) + "]");
            }),
            Map.entry("count", (random, request) -> {
                List<String> values = new ArrayList<>(request.sample.json());
                if (random.nextBoolean() || values.isEmpty()) {
                    values.add(values.isEmpty() ? "1" : values.getFirst());
                } else {
                    values.remove(random.nextInt(values.size()));
                }
                someInput(random, request).put("data", "[" + String.join(",", values) + "]");
            }),
            Map.entry("data-shape", (random, request) -> someInput(random, request).put("data",
                    pick(random, List.of("1", "\"abc\"", "{}", "null", "[]", "[[]]", "[{}]", "[[1],[2,3]]", "true",
                            "[" + "[".repeat(80) + "1" + "]".repeat(80) + "]",
                            "[" + "[".repeat(60) + "]".repeat(60) + "]")))),
            Map.entry("name", (random, request) -> someInput(random, request).put("name",
                    random.nextInt(5) == 0 ? pick(random, List.of("1", "null", "[]", "{}"))
                            : FuzzSample.quote(pick(random, NAMES)))),
            Map.entry("remove-field", (random, request) -> someInput(random, request)
                    .remove(pick(random, List.of("name", "datatype", "shape", "data", "parameters")))),
            Map.entry("unknown-field", (random, request) -> {
                FuzzJson target = random.nextBoolean() ? request.top : someInput(random, request);
                target.put(pick(random, List.of("extra", "contents", "raw", "binary_data", "", "\u2603", "shape ")),
                        pick(random, VALUES));
            }),
            Map.entry("duplicate-field", (random, request) -> {
                FuzzJson input = someInput(random, request);
                if (!input.fields.isEmpty()) {
                    String[] field = pick(random, input.fields);
                    input.fields.add(new String[] {field[0], random.nextBoolean() ? field[1] : pick(random, VALUES)});
                }
            }),
            Map.entry("binary-size", (random, request) -> someInput(random, request).put("parameters",
                    "{\"binary_data_size\":" + pick(random, List.of("-1", "0", "1", "3135", "3137", "1e3", "\"12\"",
                            "99999999999", "9223372036854775807", "9223372036854775808", "true", "null", "{}", "1.5",
                            String.valueOf(request.sample.raw().length))) + "}")),
            Map.entry("input-parameters", (random, request) -> someInput(random, request).put("parameters",
                    pick(random, List.of("null", "[]", "1", "{\"a\":{}}", "{\"a\":[1]}", "{\"a\":null}",
                            "{\"binary_data_size\":4,\"binary_data_size\":8}")))),
            Map.entry("duplicate-input", (random, request) -> request.inputs.add(someInput(random, request))),
            Map.entry("extra-input", (random, request) -> request.inputs.add(new FuzzJson().put("name", "\"extra\"")
                    .put("datatype", "\"FP32\"").put("shape", "[1]").put("data", "[1]"))),
            Map.entry("other-model-input", (random, request) -> {
                FuzzSample other = pick(random, samples);
                request.inputs.add(new FuzzJson().put("name", FuzzSample.quote(other.input()))
                        .put("datatype", FuzzSample.quote(other.datatype())).put("shape", other.shapeJson())
                        .put("data", other.dataJson(false)));
            }),
            Map.entry("no-inputs", (random, request) -> {
                request.inputs.clear();
                if (random.nextBoolean()) {
                    request.top.put("inputs", pick(random, List.of("[]", "null", "{}", "1", "[1]", "[[]]", "[null]")));
                }
            }),
            Map.entry("outputs", (random, request) -> request.top.put("outputs", pick(random, List.of("[]", "null",
                    "{}", "[{}]", "[1]", "[{\"name\":1}]", "[{\"name\":\"nope\"}]",
                    "[{\"name\":\"" + request.sample.output() + "\"},{\"name\":\"" + request.sample.output() + "\"}]",
                    "[{\"name\":\"" + request.sample.output() + "\",\"parameters\":{\"binary_data\":\"yes\"}}]",
                    "[{\"name\":\"" + request.sample.output() + "\",\"parameters\":{\"binary_data\":1}}]",
                    "[{\"name\":\"" + request.sample.output() + "\",\"parameters\":null}]")))),
            Map.entry("request-parameters", (random, request) -> request.top.put("parameters", pick(random,
                    List.of("null", "[]", "1", "{\"binary_data_output\":\"true\"}", "{\"binary_data_output\":1}",
                            "{\"priority\":99999999999999999999}", "{\"timeout\":-1}", "{\"a\":{\"b\":1}}",
                            "{\"binary_data_output\":true}")))),
            Map.entry("id", (random, request) -> request.top.put("id", pick(random, List.of("1", "null", "{}", "[]",
                    "\"" + "i".repeat(10_000) + "\"", "\"\\ud800\"", "\"\\u0000\"", "true")))),
            Map.entry("nested-unknown", (random, request) -> {
                int depth = 1 + random.nextInt(random.nextBoolean() ? 60 : 2000);
                request.top.put("deep", "[".repeat(depth) + "]".repeat(depth));
            }),
            Map.entry("binary-data", (random, request) -> {
                byte[] raw = request.binary == null ? request.sample.raw() : request.binary;
                request.binary = switch (random.nextInt(4)) {
                    case 0 -> Arrays.copyOf(raw, random.nextInt(raw.length + 1));
                    case 1 -> concat(raw, randomBytes(random, 1 + random.nextInt(16)));
                    case 2 -> flipBits(random, raw);
                    default -> randomBytes(random, random.nextInt(64));
                };
            }));
    }

    private Call jsonMutation(Random random) {
        FuzzSample sample = pick(random, samples);
        Request request = request(random, sample, random.nextInt(3) == 0, random.nextInt(4) == 0);
        return call("json " + Fuzzing.mutate(random, mutations, request), request, random, Call.ANY, null, false);
    }

    // ---- byte-level mutations --------------------------------------------------------------------

    private Call byteMutation(Random random) {
        Call base = valid(random, pick(random, samples));
        byte[] body = base.body();
        String what = switch (random.nextInt(7)) {
            case 0 -> {
                body = Arrays.copyOf(body, random.nextInt(body.length));
                yield "truncate";
            }
            case 1 -> {
                body = flipBits(random, body);
                yield "bit-flips";
            }
            case 2 -> {
                body = body.clone();
                int changes = 1 + random.nextInt(8);
                for (int i = 0; i < changes; i++) {
                    body[random.nextInt(body.length)] = INTERESTING[random.nextInt(INTERESTING.length)];
                }
                yield "interesting-bytes";
            }
            case 3 -> {
                int at = random.nextInt(body.length + 1);
                body = concat(Arrays.copyOf(body, at), randomBytes(random, 1 + random.nextInt(32)),
                        Arrays.copyOfRange(body, at, body.length));
                yield "insert";
            }
            case 4 -> {
                int from = random.nextInt(body.length);
                int to = Math.min(body.length, from + 1 + random.nextInt(64));
                body = concat(Arrays.copyOf(body, from), Arrays.copyOfRange(body, to, body.length));
                yield "delete";
            }
            case 5 -> {
                int from = random.nextInt(body.length);
                int to = Math.min(body.length, from + 1 + random.nextInt(256));
                body = concat(Arrays.copyOf(body, to), Arrays.copyOfRange(body, from, body.length));
                yield "duplicate-range";
            }
            default -> {
                body = body.clone();
                int changes = 1 + random.nextInt(4);
                for (int i = 0; i < changes; i++) {
                    body[random.nextInt(body.length)] = (byte) random.nextInt(256);
                }
                yield "random-bytes";
            }
        };
        return new Call("bytes " + what + " of " + base.kind(), base.method(), base.path(), body, base.contentType(),
                base.headers(), Call.ANY, null, false, null);
    }

    // ---- compressed bodies -----------------------------------------------------------------------

    /**
     * A valid request compressed as Triton's HTTP client does (gzip, or zlib as "deflate"): intact, it
     * must get the same answer; with its compressed bytes damaged or truncated, or named with another
     * or an unknown coding, any 4xx with an OIP error body.
     */
    private Call compressed(Random random) {
        Call base = anyValid(random);
        String coding = pick(random, List.of("gzip", "x-gzip", "deflate"));
        byte[] body = compress(coding, base.body());
        String damage = switch (random.nextInt(6)) {
            case 0 -> {
                body = Arrays.copyOf(body, random.nextInt(body.length));
                yield "truncated";
            }
            case 1 -> {
                body = body.clone();
                for (int i = 0, changes = 1 + random.nextInt(4); i < changes; i++) {
                    body[random.nextInt(body.length)] = (byte) random.nextInt(256);
                }
                yield "random-bytes";
            }
            case 2 -> {
                coding = pick(random, List.of("br", "zstd", "compress", "gzip, gzip", "identity", "GZIP ", "deflate;q=1"));
                yield "named " + coding;
            }
            default -> "intact";
        };
        List<String> headers = new ArrayList<>(base.headers());
        headers.addAll(List.of("Content-Encoding", coding));
        boolean intact = damage.equals("intact");
        return new Call(coding + " " + damage + " " + base.kind(), base.method(), base.path(), body,
                base.contentType(), headers, intact ? base.status() : Call.ANY, intact ? base.sample() : null,
                base.binaryOut(), null);
    }

    private static byte[] compress(String coding, byte[] data) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.io.OutputStream stream = coding.equals("deflate") ? new java.util.zip.DeflaterOutputStream(out)
                : new java.util.zip.GZIPOutputStream(out)) {
            stream.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    // ---- header mutations ------------------------------------------------------------------------

    private Call headerMutation(Random random) {
        FuzzSample sample = pick(random, samples);
        Request request = request(random, sample, random.nextInt(4) != 0, random.nextInt(3) == 0);
        byte[] json = request.json(random);
        byte[] body = request.binary == null ? json : concat(json, request.binary);
        int length = json.length;
        String value = pick(random, List.of(String.valueOf(length + 1), String.valueOf(length - 1), "0", "-1", "-2",
                "-2147483648", String.valueOf(body.length), String.valueOf(body.length + 1), "2147483647",
                "2147483648", "99999999999999999999", "abc", "", " ", length + "abc", "+" + length,
                " " + length + " ", "0x10", "1e2", "-0", "000" + length, String.valueOf(length)));
        List<String> headers = new ArrayList<>(List.of(INFERENCE_HEADER, value));
        if (random.nextInt(6) == 0) {
            headers.addAll(List.of(INFERENCE_HEADER, String.valueOf(length)));
        }
        return new Call("header '" + value + "'", "POST", request.path, body, "application/octet-stream", headers,
                Call.ANY, null, false, null);
    }

    // ---- garbage bodies --------------------------------------------------------------------------

    private Call garbage(Random random) {
        FuzzSample sample = pick(random, samples);
        String path = "/v2/models/" + sample.model() + "/infer";
        byte[] valid = request(random, sample, false, false).json(random);
        int status = 400;
        String what;
        byte[] body;
        switch (random.nextInt(12)) {
            case 0 -> {
                what = "constant";
                body = pick(random, List.of("", " ", "\n\t", "null", "true", "0", "\"s\"", "[]", "{}",
                        "{\"inputs\":null}", "{\"inputs\":[]}", "{", "}", "{\"", "{\"inputs\"", "{\"inputs\":[",
                        "\u0000", "{\"inputs\":[{}]}")).getBytes(StandardCharsets.UTF_8);
            }
            case 1 -> {
                what = "random-bytes";
                body = randomBytes(random, 1 + random.nextInt(2000));
            }
            case 2 -> {
                what = "random-ascii";
                byte[] bytes = randomBytes(random, 1 + random.nextInt(500));
                for (int i = 0; i < bytes.length; i++) {
                    bytes[i] = (byte) (0x20 + Math.floorMod(bytes[i], 0x5f));
                }
                body = bytes;
            }
            case 3 -> {
                int depth = 1 + random.nextInt(100_000);
                what = "nested-arrays-" + depth;
                String open = random.nextBoolean() ? "[" : "{\"a\":[";
                body = ("{\"inputs\":" + open.repeat(depth) + (random.nextBoolean() ? "]".repeat(depth) : "") + "}")
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 4 -> {
                int depth = 1 + random.nextInt(10_000);
                what = "nested-objects-" + depth;
                body = ("{\"a\":".repeat(depth) + "1" + "}".repeat(random.nextBoolean() ? depth : depth / 2))
                        .getBytes(StandardCharsets.UTF_8);
            }
            case 5 -> {
                what = "invalid-utf8";
                byte[] bad = pick(random, List.of(new byte[] {(byte) 0xff}, new byte[] {(byte) 0xc0, (byte) 0x80},
                        new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xc3},
                        new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                        new byte[] {(byte) 0xe2, (byte) 0x82}));
                String text = new String(valid, StandardCharsets.UTF_8);
                int at = text.indexOf("\"fuzz\"") + 2;
                byte[] head = text.substring(0, at).getBytes(StandardCharsets.UTF_8);
                body = concat(head, bad, text.substring(at).getBytes(StandardCharsets.UTF_8));
                status = Call.ANY;
            }
            case 6 -> {
                Charset charset = pick(random, List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                        StandardCharsets.UTF_16, Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE")));
                what = "charset-" + charset;
                body = new String(valid, StandardCharsets.UTF_8).getBytes(charset);
                if (random.nextBoolean()) {
                    body = flipBits(random, body);
                }
                if (random.nextBoolean()) {
                    body = Arrays.copyOf(body, random.nextInt(body.length));
                }
                status = Call.ANY;
            }
            case 7 -> {
                what = "utf32-invalid";
                body = concat(new byte[] {0, 0, 0, '{'}, pick(random, List.of(new byte[] {-1, -1, -1, -1},
                        new byte[] {0, 0x11, 0, 0}, new byte[] {0, 0, (byte) 0xd8, 0}, new byte[] {0, 0})));
            }
            case 8 -> {
                what = "bom";
                body = concat(pick(random, List.of(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf},
                        new byte[] {(byte) 0xfe, (byte) 0xff}, new byte[] {(byte) 0xff, (byte) 0xfe},
                        new byte[] {(byte) 0xef, (byte) 0xbb})), valid);
                status = Call.ANY;
            }
            case 9 -> {
                what = "trailing";
                body = concat(valid, pick(random, List.of("}", "x", "{}", "[", "\u0000", "\"", " 1"))
                        .getBytes(StandardCharsets.UTF_8));
            }
            case 10 -> {
                what = "long-string";
                body = ("{\"id\":\"" + "s".repeat(random.nextInt(200_000)) + (random.nextBoolean() ? "\"}" : ""))
                        .getBytes(StandardCharsets.UTF_8);
            }
            default -> {
                what = "huge-number";
                body = ("{\"inputs\":[{\"name\":\"x\",\"shape\":[" + "9".repeat(1 + random.nextInt(5000))
                        + "],\"datatype\":\"FP32\",\"data\":[1]}]}").getBytes(StandardCharsets.UTF_8);
            }
        }
        return new Call("garbage " + what, "POST", path, body, random.nextBoolean() ? "application/json" : null,
                List.of(), status, null, false, null);
    }

    // ---- names, other endpoints, images, size ----------------------------------------------------

    private Call unknownName(Random random) {
        FuzzSample sample = pick(random, samples);
        Call base = valid(random, sample);
        boolean version = random.nextBoolean();
        String path = version ? "/v2/models/" + sample.model() + "/versions/" + pick(random, VERSIONS) + "/infer"
                : "/v2/models/" + pick(random, UNKNOWN_MODELS) + "/infer";
        return new Call("unknown " + (version ? "version" : "model"), "POST", path, base.body(), base.contentType(),
                base.headers(), 404, null, false, null);
    }

    private Call otherEndpoint(Random random) {
        String model = random.nextBoolean() ? pick(random, models) : pick(random, UNKNOWN_MODELS);
        boolean known = models.contains(model);
        String version = random.nextBoolean() ? "1" : pick(random, VERSIONS);
        int found = known && version.equals("1") ? 200 : 404;
        return switch (random.nextInt(9)) {
            case 0 -> get("/v2/models/" + model, known ? 200 : 404);
            case 1 -> get("/v2/models/" + model + "/ready", known ? 200 : 404);
            case 2 -> get("/v2/models/" + model + "/versions/" + version, found);
            case 3 -> get("/v2/models/" + model + "/versions/" + version + "/ready", found);
            case 4 -> get(pick(random, List.of("/v2", "/v2/health/live", "/v2/health/ready")), 200);
            case 5 -> {
                // The body is optional; when given it must be a JSON object with a boolean "ready", else 400.
                // Random bytes never open an object (first byte no '{' or white space): they are malformed.
                byte[] body;
                if (random.nextBoolean()) {
                    body = randomBytes(random, random.nextInt(100));
                    if (body.length > 0 && "{ \t\r\n".indexOf(body[0]) >= 0) {
                        body[0] = 'x';
                    }
                } else {
                    body = pick(random, List.of("", "{}", "{\"ready\":true}", "{\"ready\":", "[]", "null",
                            "{\"ready\":\"yes\"}")).getBytes(StandardCharsets.UTF_8);
                }
                String text = new String(body, StandardCharsets.ISO_8859_1);
                int status = List.of("", "{}", "{\"ready\":true}").contains(text) ? 200 : 400;
                yield new Call("repository index", "POST", "/v2/repository/index", body, "application/json",
                        List.of(), status, null, false, null);
            }
            case 6, 7 -> new Call("repository load unknown", "POST", "/v2/repository/models/"
                    + pick(random, UNKNOWN_MODELS) + "/" + (random.nextBoolean() ? "load" : "unload"),
                    randomBytes(random, random.nextInt(50)), "application/json", List.of(), 404, null, false, null);
            default -> {
                FuzzSample sample = pick(random, samples);
                Call base = valid(random, sample);
                String target = pick(random, models.stream().filter(name -> !name.equals(sample.model())).toList());
                yield new Call("wrong model", "POST", "/v2/models/" + target + "/infer", base.body(), base.contentType(),
                        base.headers(), 400, null, false, null);
            }
        };
    }

    private static Call get(String path, int status) {
        return new Call("get", "GET", path, new byte[0], null, List.of(), status, null, false, null);
    }

    private Call image(Random random) {
        String kind = random.nextBoolean() ? "png" : "jpeg";
        byte[] file = images.get(kind);
        boolean detect = random.nextInt(10) == 0;
        String model = random.nextInt(10) == 0 ? pick(random, models) : "mnist";
        String path = "/v2/models/" + model + (detect ? "/detect" : "/classify");
        boolean valid = !detect && model.equals("mnist") && random.nextInt(4) == 0;
        String what = "valid";
        if (!valid && random.nextInt(5) > 0) {
            Fuzzing.Damaged damaged = Fuzzing.damage(random, file);
            file = damaged.bytes();
            what = damaged.how();
        } else if (!valid) {
            what = "intact";
        }
        if (random.nextBoolean()) {
            String boundary = pick(random, List.of("abc", "----WebKitFormBoundary7MA4YWxkTrZu0gW", "x", "\"q q\""));
            String plain = boundary.replace("\"", "");
            String part = pick(random, List.of("Content-Disposition: form-data; name=\"image\"; filename=\"d." + kind
                    + "\"", "Content-Disposition: form-data; name=\"file\"", "Content-Disposition: form-data; name=\"x\""));
            byte[] body = concat(("--" + plain + "\r\n" + part + "\r\nContent-Type: image/" + kind + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1), file, ("\r\n--" + plain + "--\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            if (!valid && random.nextBoolean()) {
                body = random.nextBoolean() ? flipBits(random, body) : Arrays.copyOf(body, random.nextInt(body.length));
                what += "+multipart-damaged";
            }
            boolean named = !part.endsWith("name=\"x\"");
            String type = random.nextInt(8) == 0 ? pick(random, List.of("multipart/form-data",
                    "multipart/form-data; boundary=", "multipart/form-data; charset=utf-8"))
                    : "multipart/form-data; boundary=" + boundary;
            return new Call("image multipart " + what, "POST", path, body, type, List.of(),
                    valid && named && type.endsWith(boundary) ? 200 : Call.ANY, null, false, valid ? kind : null);
        }
        return new Call("image " + what, "POST", path, file, random.nextBoolean() ? "image/" + kind : null, List.of(),
                valid ? 200 : Call.ANY, null, false, valid ? kind : null);
    }

    private Call tooLarge(Random random) {
        byte[] body = new byte[(int) maxBody + 1 + random.nextInt(1000)];
        Arrays.fill(body, (byte) ' ');
        FuzzSample sample = pick(random, samples);
        String path = random.nextBoolean() ? "/v2/models/" + sample.model() + "/infer" : "/v2/models/mnist/classify";
        return new Call("too-large", "POST", path, body, "application/json", List.of(), 413, null, false, null);
    }
}
