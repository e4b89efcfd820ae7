package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import dev.outpost.model.ElementType;
import dev.outpost.model.Op;
import dev.outpost.testing.TinyModels;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every OIP datatype, as JSON and as binary: through the codec alone, and end to end through Identity
 * models ({@code x: T[4] -> y: T[4]}) for every type ONNX Runtime's Java API can feed (not UINT16,
 * UINT32, UINT64: ORT Java cannot create such input tensors; the server answers 400 naming that).
 */
class OipDatatypesTest {

    /** OIP datatype, ONNX element type, four JSON values, the same values as little-endian bytes. */
    record Case(String datatype, ElementType element, String json, byte[] binary) {
        @Override
        public String toString() {
            return datatype;
        }
    }

    private static ByteBuffer le(int bytes) {
        return ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    static List<Case> cases() {
        return List.of(
                new Case("BOOL", ElementType.BOOL, "true,false,true,true", new byte[] {1, 0, 1, 1}),
                new Case("UINT8", ElementType.UINT8, "0,1,200,255", new byte[] {0, 1, (byte) 200, (byte) 255}),
                new Case("UINT16", ElementType.UINT16, "0,1,60000,65535",
                        le(8).putShort((short) 0).putShort((short) 1).putShort((short) 60000).putShort((short) 65535).array()),
                new Case("UINT32", ElementType.UINT32, "0,1,4000000000,4294967295",
                        le(16).putInt(0).putInt(1).putInt((int) 4000000000L).putInt(-1).array()),
                new Case("UINT64", ElementType.UINT64, "0,1,2,18446744073709551615",
                        le(32).putLong(0).putLong(1).putLong(2).putLong(-1).array()),
                new Case("INT8", ElementType.INT8, "-128,-1,0,127", new byte[] {-128, -1, 0, 127}),
                new Case("INT16", ElementType.INT16, "-32768,-1,0,32767",
                        le(8).putShort(Short.MIN_VALUE).putShort((short) -1).putShort((short) 0).putShort(Short.MAX_VALUE).array()),
                new Case("INT32", ElementType.INT32, "-2147483648,-1,0,2147483647",
                        le(16).putInt(Integer.MIN_VALUE).putInt(-1).putInt(0).putInt(Integer.MAX_VALUE).array()),
                new Case("INT64", ElementType.INT64, "-9223372036854775808,-1,0,9223372036854775807",
                        le(32).putLong(Long.MIN_VALUE).putLong(-1).putLong(0).putLong(Long.MAX_VALUE).array()),
                new Case("FP16", ElementType.FLOAT16, "0.5,-2.0,1024.0,0.0",
                        le(8).putShort(Float.floatToFloat16(0.5f)).putShort(Float.floatToFloat16(-2f))
                                .putShort(Float.floatToFloat16(1024f)).putShort(Float.floatToFloat16(0f)).array()),
                new Case("FP32", ElementType.FLOAT, "0.5,-2.5,3.25,0.0",
                        le(16).putFloat(0.5f).putFloat(-2.5f).putFloat(3.25f).putFloat(0f).array()),
                new Case("FP64", ElementType.DOUBLE, "0.1,-2.5,1.0E300,0.0",
                        le(32).putDouble(0.1).putDouble(-2.5).putDouble(1e300).putDouble(0).array()),
                new Case("BYTES", ElementType.STRING, "\"a\",\"h\u00e9llo\",\"\",\"x y\"", bytes("a", "h\u00e9llo", "", "x y")));
    }

    private static byte[] bytes(String... values) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (String value : values) {
            byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
            out.writeBytes(le(4).putInt(utf8.length).array());
            out.writeBytes(utf8);
        }
        return out.toByteArray();
    }

    static List<Case> feedable() {
        return cases().stream().filter(c -> !List.of("UINT16", "UINT32", "UINT64").contains(c.datatype())).toList();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void codec_decodesJsonAndBinary_andEncodesTheSameValuesBack(Case c) {
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,2],\"datatype\":\"" + c.datatype()
                + "\",\"data\":[" + c.json() + "]}],\"outputs\":[{\"name\":\"x\",\"parameters\":{\"binary_data\":true}}]}";
        OipCodec.Decoded decoded = OipCodec.decode(json.getBytes(StandardCharsets.UTF_8), -1, "m", "");
        InferenceResponse echo = new InferenceResponse("", "m", "1", decoded.request().inputs(), java.time.Duration.ZERO,
                java.time.Duration.ZERO, 1, decoded::release);
        OipEncoder.Encoded encoded = OipEncoder.encode(echo, decoded);
        assertThat(Arrays.copyOfRange(encoded.body(), encoded.jsonLength(), encoded.body().length)).isEqualTo(c.binary());
        assertThat(new String(encoded.body(), 0, encoded.jsonLength(), StandardCharsets.UTF_8))
                .contains("\"shape\":[2,2]", "\"datatype\":\"" + c.datatype() + "\"");
        echo.close();

        String header = "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"" + c.datatype()
                + "\",\"parameters\":{\"binary_data_size\":" + c.binary().length + "}}]}";
        byte[] body = Arrays.copyOf(header.getBytes(StandardCharsets.UTF_8), header.length() + c.binary().length);
        System.arraycopy(c.binary(), 0, body, header.getBytes(StandardCharsets.UTF_8).length, c.binary().length);
        OipCodec.Decoded binary = OipCodec.decode(body, header.getBytes(StandardCharsets.UTF_8).length, "m", "");
        InferenceResponse asJson = new InferenceResponse("", "m", "1", binary.request().inputs(), java.time.Duration.ZERO,
                java.time.Duration.ZERO, 1, binary::release);
        OipEncoder.Encoded text = OipEncoder.encode(asJson, binary);
        assertThat(text.binary()).isFalse();
        String data = new String(text.body(), StandardCharsets.UTF_8);
        data = data.substring(data.indexOf("\"data\":[") + 8, data.lastIndexOf("]}]"));
        if (c.datatype().equals("BOOL") || c.datatype().equals("BYTES")) {
            assertThat(data).isEqualTo(c.json());
        } else {
            assertThat(Arrays.stream(data.split(",")).map(BigDecimal::new).toList()).usingElementComparator(
                    BigDecimal::compareTo).containsExactlyElementsOf(Arrays.stream(c.json().split(","))
                    .map(BigDecimal::new).toList());
        }
        asJson.close();
    }

    private static InferenceServer server;
    private static Http http;

    @BeforeAll
    static void start(@org.junit.jupiter.api.io.TempDir Path repo) throws Exception {
        for (Case c : cases()) {
            Path dir = Files.createDirectories(repo.resolve("id_" + c.datatype().toLowerCase()).resolve("1"));
            TinyModels.singleOp(Op.IDENTITY, c.element()).write(dir.resolve("model.onnx"));
        }
        ModelManager models = ModelManager.create(ModelRepository.of(repo), ServingConfig.defaults());
        assertThat(models.loadAll()).allMatch(ModelStatus::ready);
        server = InferenceServer.start(models, ServerConfig.defaults().withPort(0));
        http = Http.to(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static String path(Case c) {
        return "/v2/models/id_" + c.datatype().toLowerCase() + "/infer";
    }

    @ParameterizedTest
    @MethodSource("feedable")
    void jsonData_comesBackAsTheSameJsonValues(Case c) {
        HttpResponse<byte[]> response = http.post(path(c), "{\"id\":\"t\",\"inputs\":[{\"name\":\"x\",\"shape\":[4],"
                + "\"datatype\":\"" + c.datatype() + "\",\"data\":[" + c.json() + "]}]}");

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        String text = Http.text(response);
        assertThat(text).contains("\"datatype\":\"" + c.datatype() + "\"", "\"shape\":[4]", "\"id\":\"t\"");
        String data = text.substring(text.indexOf("\"data\":[") + 8, text.lastIndexOf("]}]"));
        if (c.datatype().equals("BOOL") || c.datatype().equals("BYTES")) {
            assertThat(data).isEqualTo(c.json());
        } else {
            assertThat(Arrays.stream(data.split(",")).map(BigDecimal::new).toList()).usingElementComparator(
                    BigDecimal::compareTo).containsExactlyElementsOf(Arrays.stream(c.json().split(","))
                    .map(BigDecimal::new).toList());
        }
    }

    @ParameterizedTest
    @MethodSource("feedable")
    void binaryData_comesBackAsTheSameBytes(Case c) {
        String json = "{\"inputs\": [{\"name\": \"x\", \"shape\": [4], \"datatype\": \"" + c.datatype()
                + "\", \"parameters\": {\"binary_data_size\": " + c.binary().length + "}}], "
                + "\"outputs\": [{\"name\": \"y\", \"parameters\": {\"binary_data\": true}}]}";
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        byte[] body = Arrays.copyOf(header, header.length + c.binary().length);
        System.arraycopy(c.binary(), 0, body, header.length, c.binary().length);

        HttpResponse<byte[]> response = http.post(path(c), body, "application/octet-stream",
                "Inference-Header-Content-Length", String.valueOf(header.length));

        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(200);
        int jsonLength = Integer.parseInt(response.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        assertThat(new String(response.body(), 0, jsonLength, StandardCharsets.UTF_8))
                .contains("\"binary_data_size\":" + c.binary().length);
        assertThat(Arrays.copyOfRange(response.body(), jsonLength, response.body().length)).isEqualTo(c.binary());
    }

    @ParameterizedTest
    @MethodSource("feedable")
    void metadata_namesTheOipDatatype(Case c) {
        HttpResponse<byte[]> response = http.get("/v2/models/id_" + c.datatype().toLowerCase());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(Http.text(response)).contains("\"inputs\":[{\"name\":\"x\",\"datatype\":\"" + c.datatype()
                + "\",\"shape\":[4]}]", "\"platform\":\"onnxruntime_onnx\"", "\"state\":\"READY\"");
    }

    /** UINT16/32/64 decode and encode, but ONNX Runtime's Java API cannot create such tensors: a 400 that says so. */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = {"UINT16", "UINT32", "UINT64"})
    void unsignedTypesJavaCannotFeed_are400_namingWhy(String datatype) {
        HttpResponse<byte[]> response = http.post("/v2/models/id_" + datatype.toLowerCase() + "/infer",
                "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"" + datatype + "\",\"data\":[1,2,3,4]}]}");
        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(400);
        assertThat(Http.text(response)).contains("Input 'x' is " + datatype.toLowerCase(),
                "which ONNX Runtime's Java API cannot create");
    }

    /** ONNX Runtime's string tensors hold text: BYTES that are not UTF-8 are refused, never silently replaced. */
    @org.junit.jupiter.api.Test
    void binaryBytesThatAreNotUtf8_are400_notReplaced() {
        byte[] element = {(byte) 0xff, (byte) 0xd8, (byte) 0xff, (byte) 0xe0};
        String json = "{\"inputs\":[{\"name\":\"x\",\"shape\":[4],\"datatype\":\"BYTES\","
                + "\"parameters\":{\"binary_data_size\":" + 4 * (4 + element.length) + "}}]}";
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        body.writeBytes(json.getBytes(StandardCharsets.UTF_8));
        for (int i = 0; i < 4; i++) {
            body.writeBytes(new byte[] {(byte) element.length, 0, 0, 0});
            body.writeBytes(i == 2 ? element : "abcd".getBytes(StandardCharsets.UTF_8));
        }
        HttpResponse<byte[]> response = http.post("/v2/models/id_bytes/infer", body.toByteArray(),
                "application/octet-stream", "Inference-Header-Content-Length", String.valueOf(json.length()));
        assertThat(response.statusCode()).as(Http.text(response)).isEqualTo(400);
        assertThat(Http.text(response)).contains("Input 'x' (BYTES) element 2 is not valid UTF-8 text",
                "go in a UINT8 tensor");
    }
}
