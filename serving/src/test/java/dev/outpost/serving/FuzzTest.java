package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.model.ElementType;
import dev.outpost.model.Op;
import dev.outpost.serving.proto.GrpcService.ModelInferRequest;
import dev.outpost.serving.proto.GrpcService.ModelInferResponse;
import dev.outpost.serving.proto.GrpcService.ModelMetadataRequest;
import dev.outpost.serving.proto.GrpcService.ModelReadyRequest;
import dev.outpost.testing.TinyModels;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes a real server (REST and gRPC on ephemeral ports) with mnist_cntk and Identity models for
 * INT64, BOOL, UINT8 and BYTES: more than 10,000 random and mutated requests (see {@link RestFuzzer}
 * and {@link GrpcFuzzer} for the mix), one at a time, REST and gRPC interleaved. Every answer must be
 * a client outcome: REST below 500 with an OIP error body for every error, gRPC a client-error code,
 * never INTERNAL or UNKNOWN (bytes that are no ModelInferRequest included: INVALID_ARGUMENT); valid requests interleaved throughout must get the same answer as the first time (Identity
 * models: their input back). Afterwards the server is still ready and answers correctly,
 * {@code /metrics} counts no internal error and no 5xx, and heap and resident memory did not grow.
 *
 * <p>Reproducing a failure: every message names the seed and the request number; request {@code n}
 * draws from {@code new Random(seed * 1_000_003 + n)}. Run with {@code -Doutpost.fuzz.seed=S} to
 * try another seed.
 *
 * <p>Memory ({@link MemoryFigures}, each figure after a full GC): the baseline is taken after a
 * warm-up of {@value #WARM_UP_REST} REST and {@value #WARM_UP_GRPC} gRPC requests of the same mix, the
 * second figure after the {@value #REST} + {@value #GRPC} requests of the main run. The heap in use may
 * grow by {@value #HEAP_BOUND_MIB} MiB (measured: under 1 MiB), the resident memory outside the heap
 * by {@value #RSS_BOUND_MIB} MiB (measured: 22-39 MiB, malloc arenas and JIT code still growing after
 * the warm-up; three more rounds of 10,000 added 1-2 MiB in all). Total RSS is reported, not
 * compared: G1 resizes the heap with the allocation rate and returns freed regions concurrently, so
 * it moves by hundreds of MiB without a leak. What the bounds catch over 10,000 requests: a heap leak
 * of about 700 bytes per request (or 3 KiB per valid inference, about 2,300 of them) and a native
 * leak of about 2.5 KiB per request, so keeping each request body (0.5-10 KiB), decoded input tensor or
 * response (the MNIST input alone is 3 KiB) alive exceeds them; leaking a 600 KB buffer per request
 * would add gigabytes.
 */
// A hang must fail the build, not stall it.
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class FuzzTest {

    private static final long SEED = Long.getLong("outpost.fuzz.seed", 20_250_611L);
    private static final int WARM_UP_REST = 1_200;
    private static final int WARM_UP_GRPC = 800;
    private static final int REST = 6_000;
    private static final int GRPC = 4_000;
    private static final long MAX_BODY = 1 << 20;
    private static final int RSS_BOUND_MIB = 64;
    private static final int HEAP_BOUND_MIB = 8;
    /** gRPC codes that name a client's mistake; anything else (INTERNAL, UNKNOWN, ...) is a server fault. */
    private static final Set<Status.Code> CLIENT_CODES = Set.of(Status.Code.INVALID_ARGUMENT, Status.Code.NOT_FOUND,
            Status.Code.RESOURCE_EXHAUSTED, Status.Code.OUT_OF_RANGE, Status.Code.FAILED_PRECONDITION,
            Status.Code.UNIMPLEMENTED);

    @Test
    void tenThousandRandomAndMutatedRequests_getClientErrorsNeverServerErrors_andLeaveMemoryFlat(@TempDir Path repo)
            throws Exception {
        SharedModels.install(repo, "mnist", "1", SharedModels.model("mnist_cntk.onnx"));
        for (ElementType type : List.of(ElementType.INT64, ElementType.BOOL, ElementType.UINT8)) {
            Path dir = Files.createDirectories(repo.resolve("id_" + type.name().toLowerCase()).resolve("1"));
            TinyModels.singleOp(Op.IDENTITY, type).write(dir.resolve(ModelRepository.MODEL_FILE));
        }
        TinyModels.stringIdentity().write(Files.createDirectories(repo.resolve("text/1"))
                .resolve(ModelRepository.MODEL_FILE));
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        assertThat(models.loadAll()).allMatch(ModelStatus::ready);
        List<FuzzSample> samples = FuzzSample.all(new Random(SEED));

        try (InferenceServer server = InferenceServer.start(models, ServerConfig.defaults().withPort(0)
                .withGrpcPort(0).withMaxRequestBytes(MAX_BODY));
             GrpcClient grpc = GrpcClient.to(server)) {
            Fuzz fuzz = new Fuzz(Http.to(server), grpc, samples);
            fuzz.run(0, WARM_UP_REST, WARM_UP_GRPC);
            int warmUp = fuzz.rest + fuzz.grpcCalls;
            MemoryFigures baseline = MemoryFigures.afterGc();
            fuzz.run(warmUp, REST, GRPC);
            MemoryFigures after = MemoryFigures.afterGc();

            String summary = "seed " + SEED + "; " + fuzz.summary() + "; memory after warm-up " + baseline
                    + ", after the main run " + after;
            System.out.println("FuzzTest: " + summary);
            assertThat(fuzz.failures).as("%d failures by kind %s; %s", fuzz.failureCount, fuzz.failureKinds(), summary)
                    .isEmpty();
            assertThat(fuzz.rest).as(summary).isEqualTo(WARM_UP_REST + REST);
            assertThat(fuzz.grpcCalls).as(summary).isEqualTo(WARM_UP_GRPC + GRPC);
            assertThat(fuzz.rest + fuzz.grpcCalls - warmUp).as("requests between the memory figures; %s", summary)
                    .isGreaterThanOrEqualTo(10_000);
            fuzz.assertStillServing();
            assertThat(after.heap() - baseline.heap()).as("heap growth in bytes; %s", summary)
                    .isLessThan((long) HEAP_BOUND_MIB << 20);
            if (baseline.nativeRss() < 0 || after.nativeRss() < 0) {
                System.out.println("FuzzTest: resident memory not checked: no /proc/self/smaps (not Linux) or no heap"
                        + " address range from GC.heap_info");
            } else {
                assertThat(after.nativeRss() - baseline.nativeRss()).as("growth in bytes of the resident memory outside"
                        + " the Java heap; %s", summary).isLessThan((long) RSS_BOUND_MIB << 20);
            }
        }
    }

    /** The state of one fuzzing session: the fuzzers, the first answers to compare with, the failures and counts. */
    private static final class Fuzz {
        private final Http http;
        private final GrpcClient grpc;
        private final List<FuzzSample> samples;
        private final RestFuzzer restFuzzer;
        private final GrpcFuzzer grpcFuzzer;
        private final Map<FuzzSample, String> firstJson = new HashMap<>();
        private final Map<FuzzSample, String> firstBinaryJson = new HashMap<>();
        private final Map<FuzzSample, byte[]> firstRaw = new HashMap<>();
        private final Map<String, String> firstClasses = new HashMap<>();
        private final Map<String, Integer> outcomes = new TreeMap<>();
        private final Map<String, Integer> failureKinds = new TreeMap<>();
        final List<String> failures = new ArrayList<>();
        int failureCount;
        /** The current call for the failure summary: channel, fuzzer kind, status and the error's pattern. */
        private String kind = "";
        int rest;
        int grpcCalls;

        Fuzz(Http http, GrpcClient grpc, List<FuzzSample> samples) {
            this.http = http;
            this.grpc = grpc;
            this.samples = samples;
            this.restFuzzer = new RestFuzzer(samples, MAX_BODY, images());
            this.grpcFuzzer = new GrpcFuzzer(samples, MAX_BODY);
            samples.stream().filter(FuzzSample::echo).forEach(sample -> firstRaw.put(sample, sample.raw()));
        }

        /** Sends {@code restCount} REST and {@code grpcCount} gRPC calls, interleaved at random, numbered from {@code first} */
        void run(int first, int restCount, int grpcCount) {
            Random order = new Random(SEED + first);
            int restLeft = restCount;
            int grpcLeft = grpcCount;
            for (int n = first; restLeft + grpcLeft > 0; n++) {
                Random random = new Random(SEED * 1_000_003 + n);
                if (order.nextInt(restLeft + grpcLeft) < restLeft) {
                    restLeft--;
                    rest(n, restFuzzer.next(random));
                } else {
                    grpcLeft--;
                    grpc(n, grpcFuzzer.next(random));
                }
            }
        }

        /** Records a failure of the current call; the first few in full, all of them by {@link #kind}. */
        private void fail(String message) {
            failureCount++;
            failureKinds.merge(kind, 1, Integer::sum);
            if (failures.size() < 10) {
                failures.add(message);
            }
        }

        String failureKinds() {
            return failureKinds.toString();
        }

        /** A message with the numbers taken out and cut short, so that similar failures share a kind. */
        private static String pattern(String text) {
            String plain = text.replaceAll("[0-9]+", "N");
            return plain.substring(0, Math.min(plain.length(), 110));
        }

        private void count(String outcome) {
            outcomes.merge(outcome, 1, Integer::sum);
        }

        String summary() {
            return rest + " REST and " + grpcCalls + " gRPC requests; outcomes " + outcomes;
        }

        // ---- REST ------------------------------------------------------------------------------

        private void rest(int n, RestFuzzer.Call call) {
            rest++;
            HttpResponse<byte[]> response;
            try {
                response = send(call);
            } catch (UncheckedIOException e) {
                kind = "REST " + call.kind().split(" ")[0] + " no answer";
                fail(where(n, call) + " failed to get an answer: " + e.getCause());
                return;
            }
            int status = response.statusCode();
            count("REST " + status + (call.sample() != null ? " valid" : ""));
            kind = pattern("REST " + call.kind().split(" ")[0] + " " + status + " " + preview(response.body()));
            String where = where(n, call) + " got " + status + ": " + preview(response.body());
            if (status >= 500) {
                fail(where + "; a client's request must never get a server error (503 would mean overload, which one"
                        + " request at a time cannot cause)");
                return;
            }
            if (call.status() != RestFuzzer.Call.ANY && status != call.status()) {
                fail(where + "; expected " + call.status());
                return;
            }
            if (status >= 400) {
                checkErrorBody(where, response);
            } else if (call.sample() != null) {
                checkAnswer(where, call, response);
            } else if (call.image() != null) {
                String text = Http.text(response);
                String classes = text.substring(0, Math.max(0, text.indexOf("\"timings_ms\"")));
                String first = firstClasses.putIfAbsent(call.image(), classes);
                if (classes.isEmpty() || (first != null && !first.equals(classes))) {
                    fail(where + "; the classes differ from the first answer for this image: " + first);
                }
            }
        }

        private static String where(int n, RestFuzzer.Call call) {
            return "seed " + SEED + ", request #" + n + " REST " + call.describe();
        }

        private HttpResponse<byte[]> send(RestFuzzer.Call call) {
            if (call.method().equals("GET")) {
                return http.get(call.path());
            }
            return http.post(call.path(), call.body(), call.contentType(), call.headers().toArray(String[]::new));
        }

        private void checkErrorBody(String where, HttpResponse<byte[]> response) {
            String type = response.headers().firstValue("Content-Type").orElse("");
            if (!type.startsWith("application/json")) {
                fail(where + "; an error must be application/json, was '" + type + "'");
                return;
            }
            try (JsonParser parser = OipCodec.JSON.createParser(response.body())) {
                boolean ok = parser.nextToken() == JsonToken.START_OBJECT
                        && parser.nextToken() == JsonToken.FIELD_NAME && parser.currentName().equals("error")
                        && parser.nextToken() == JsonToken.VALUE_STRING && !parser.getText().isBlank()
                        && parser.nextToken() == JsonToken.END_OBJECT && parser.nextToken() == null;
                if (!ok) {
                    fail(where + "; an error body must be {\"error\": \"<message>\"}");
                }
            } catch (IOException e) {
                fail(where + "; the error body is not JSON: " + e.getMessage());
            }
        }

        private void checkAnswer(String where, RestFuzzer.Call call, HttpResponse<byte[]> response) {
            FuzzSample sample = call.sample();
            byte[] body = response.body();
            if (!call.binaryOut()) {
                String first = firstJson.putIfAbsent(sample, Http.text(response));
                if (first != null && !first.equals(Http.text(response))) {
                    fail(where + "; the answer differs from the first for this input: " + first);
                }
                return;
            }
            int jsonLength = response.headers().firstValue(RestFuzzer.INFERENCE_HEADER).map(Integer::parseInt).orElse(-1);
            if (jsonLength < 0 || jsonLength > body.length) {
                fail(where + "; a binary answer needs a valid " + RestFuzzer.INFERENCE_HEADER + " header");
                return;
            }
            String head = new String(body, 0, jsonLength, StandardCharsets.UTF_8);
            String firstHead = firstBinaryJson.putIfAbsent(sample, head);
            if (firstHead != null && !firstHead.equals(head)) {
                fail(where + "; the JSON part differs from the first for this input: " + firstHead);
            }
            checkRaw(where, sample, Arrays.copyOfRange(body, jsonLength, body.length));
        }

        private void checkRaw(String where, FuzzSample sample, byte[] raw) {
            byte[] first = firstRaw.putIfAbsent(sample, raw);
            if (first != null && !Arrays.equals(first, raw)) {
                fail(where + "; the output data differs from " + (sample.echo() ? "the input (Identity model)"
                        : "the first answer for this input"));
            }
        }

        private static String preview(byte[] body) {
            String text = new String(body, 0, Math.min(body.length, 200), StandardCharsets.UTF_8);
            return text + (body.length > 200 ? "..." : "");
        }

        // ---- gRPC ------------------------------------------------------------------------------

        private void grpc(int n, GrpcFuzzer.Call call) {
            grpcCalls++;
            String where = "seed " + SEED + ", request #" + n + " gRPC " + call.describe();
            ModelInferResponse response = null;
            Status status = Status.OK;
            try {
                response = switch (call.rpc()) {
                    case INFER -> grpc.blocking().modelInfer(call.message());
                    case INFER_BYTES -> ModelInferResponse.parseFrom(grpc.modelInferBytes(call.wire()));
                    case METADATA -> {
                        grpc.blocking().modelMetadata(ModelMetadataRequest.newBuilder()
                                .setName(call.message().getModelName()).setVersion(call.message().getModelVersion())
                                .build());
                        yield null;
                    }
                    case READY -> {
                        grpc.blocking().modelReady(ModelReadyRequest.newBuilder().setName(call.message().getModelName())
                                .setVersion(call.message().getModelVersion()).build());
                        yield null;
                    }
                };
            } catch (StatusRuntimeException e) {
                status = e.getStatus();
            } catch (InvalidProtocolBufferException e) {
                kind = "gRPC unparseable answer";
                fail(where + "; the answer is not a ModelInferResponse: " + e.getMessage());
                return;
            }
            Status.Code code = status.getCode();
            count("gRPC " + code + (call.sample() != null ? " valid" : unparseable(call) ? " unparseable" : ""));
            kind = pattern("gRPC " + call.kind().split(" ")[0] + " " + code + " " + status.getDescription());
            where += " got " + status;
            if (code != Status.Code.OK && !CLIENT_CODES.contains(code)) {
                fail(where + "; a client's request must get a client-error code, never " + code);
            } else if (call.expected() != null && code != call.expected()) {
                fail(where + "; expected " + call.expected());
            } else if (code != Status.Code.OK && (status.getDescription() == null || status.getDescription().isBlank())) {
                fail(where + "; an error must say what was wrong");
            } else if (response != null && call.sample() != null) {
                FuzzSample sample = call.sample();
                if (response.getRawOutputContentsCount() != 1 || !response.getOutputs(0).getName().equals(sample.output())
                        || !response.getId().equals("fuzz")) {
                    fail(where + "; expected one output " + sample.output() + " and id fuzz, got " + response);
                } else {
                    checkRaw(where, sample, response.getRawOutputContents(0).toByteArray());
                }
            }
        }

        /** True for raw bytes that are no ModelInferRequest (counted apart; they must get INVALID_ARGUMENT too). */
        private static boolean unparseable(GrpcFuzzer.Call call) {
            if (call.rpc() != GrpcFuzzer.Rpc.INFER_BYTES) {
                return false;
            }
            try {
                ModelInferRequest.parseFrom(call.wire());
                return false;
            } catch (InvalidProtocolBufferException e) {
                return true;
            }
        }

        // ---- after the run ---------------------------------------------------------------------

        /** Ready, every sample answered as before over REST and gRPC, and no internal error or 5xx in /metrics. */
        void assertStillServing() {
            assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
            for (FuzzSample sample : samples) {
                HttpResponse<byte[]> response = http.post("/v2/models/" + sample.model() + "/infer",
                        "{\"id\":\"fuzz\",\"inputs\":[{\"name\":" + FuzzSample.quote(sample.input()) + ",\"datatype\":\""
                                + sample.datatype() + "\",\"shape\":" + sample.shapeJson() + ",\"data\":"
                                + sample.dataJson(false) + "}]}");
                assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
                String first = firstJson.get(sample);
                if (first != null) {
                    assertThat(Http.text(response)).as("REST answer for %s after the run", sample).isEqualTo(first);
                }
                ModelInferResponse answer = grpc.blocking().modelInfer(ModelInferRequest.newBuilder()
                        .setModelName(sample.model()).addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                                .setName(sample.input()).setDatatype(sample.datatype())
                                .addAllShape(Arrays.stream(sample.shape()).boxed().toList()))
                        .addRawInputContents(ByteString.copyFrom(sample.raw())).build());
                assertThat(answer.getRawOutputContents(0).toByteArray()).as("gRPC answer for %s after the run", sample)
                        .isEqualTo(firstRaw.get(sample));
            }
            String metrics = Http.text(http.get("/metrics"));
            assertThat(metrics).as("/metrics after the run").doesNotContain("category=\"internal\"",
                    "status=\"5", "status=\"INTERNAL\"", "status=\"UNKNOWN\"");
        }
    }

    /** A 28x28 digit-like drawing as PNG (gray) and JPEG (RGB), for the classify endpoint. */
    private static Map<String, byte[]> images() {
        BufferedImage gray = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        BufferedImage rgb = new BufferedImage(28, 28, BufferedImage.TYPE_3BYTE_BGR);
        for (BufferedImage image : List.of(gray, rgb)) {
            Graphics2D g = image.createGraphics();
            g.setColor(Color.WHITE);
            g.fillRect(7, 5, 14, 3);
            g.fillRect(17, 5, 3, 18);
            g.dispose();
        }
        return Map.of("png", encode(gray, "png"), "jpeg", encode(rgb, "jpeg"));
    }

    private static byte[] encode(BufferedImage image, String format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertThat(ImageIO.write(image, format, out)).isTrue();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
