package dev.outpost.model;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.outpost.model.ModelFormatException.Code;
import dev.outpost.model.proto.Onnx.ModelProto;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * Parses model bytes into a {@link ModelProto} and tells apart "not an ONNX model", "cut short" and
 * "damaged inside". Never lets an {@link InvalidProtocolBufferException} escape.
 *
 * <p>How the three are told apart: a top-level walk over the bytes ({@link #probe}) checks that the
 * fields are ModelProto fields with the right wire types (unknown fields are allowed once a known one
 * was seen, as newer ONNX versions add fields) and that string fields hold UTF-8. It also collects
 * <em>evidence</em> that the bytes are ONNX: an {@code ir_version} of 1..64, a printable non-empty
 * string field, or a complete message field that parses as its ONNX type. A walk that ends inside a
 * field after such evidence is a truncation; anything without evidence is not ONNX (random bytes
 * rarely show any). This is a heuristic: a file cut before its first complete field reads as NOT_ONNX.
 * Stateless and thread-safe.
 */
final class ModelReader {

    /** ModelProto field number -> expected wire type (0 varint, 2 length-delimited). */
    private static final Map<Integer, Integer> TOP_LEVEL_WIRE_TYPES = Map.ofEntries(
            Map.entry(1, 0), Map.entry(2, 2), Map.entry(3, 2), Map.entry(4, 2), Map.entry(5, 0),
            Map.entry(6, 2), Map.entry(7, 2), Map.entry(8, 2), Map.entry(14, 2), Map.entry(20, 2),
            Map.entry(25, 2));
    private static final Map<Integer, String> TOP_LEVEL_NAMES = Map.ofEntries(
            Map.entry(1, "ir_version"), Map.entry(2, "producer_name"), Map.entry(3, "producer_version"),
            Map.entry(4, "domain"), Map.entry(5, "model_version"), Map.entry(6, "doc_string"),
            Map.entry(7, "graph"), Map.entry(8, "opset_import"), Map.entry(14, "metadata_props"),
            Map.entry(20, "training_info"), Map.entry(25, "functions"));
    private static final java.util.Set<Integer> STRING_FIELDS = java.util.Set.of(2, 3, 4, 6);

    private ModelReader() {
    }

    /** Outcome of the top-level walk. */
    private record Probe(Verdict verdict, String detail) {
    }

    private enum Verdict { LOOKS_ONNX, NOT_ONNX, TRUNCATED }

    /**
     * Parses {@code bytes} (read from {@code source}, used in messages) into a ModelProto that has a
     * graph.
     *
     * @throws ModelFormatException NOT_ONNX, TRUNCATED or INVALID_MODEL
     */
    static ModelProto parse(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new ModelFormatException(Code.NOT_ONNX,
                    source + " is empty (0 bytes); expected an ONNX ModelProto");
        }
        Probe probe = probe(bytes);
        switch (probe.verdict()) {
            case NOT_ONNX -> throw new ModelFormatException(Code.NOT_ONNX, source + " is not an ONNX model ("
                    + bytes.length + " bytes, starts with " + hexPrefix(bytes) + "): " + probe.detail());
            case TRUNCATED -> throw new ModelFormatException(Code.TRUNCATED, source + ": file is "
                    + bytes.length + " bytes; the model's protobuf ends early at " + probe.detail());
            case LOOKS_ONNX -> { }
        }
        ModelProto model;
        try {
            CodedInputStream input = CodedInputStream.newInstance(bytes);
            input.setSizeLimit(Integer.MAX_VALUE);
            model = ModelProto.parseFrom(input);
        } catch (InvalidProtocolBufferException e) {
            throw new ModelFormatException(Code.INVALID_MODEL, source + " looks like an ONNX model at the top"
                    + " level but its protobuf is damaged inside: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(Code.IO, "Cannot parse " + source + ": " + e.getMessage(), e);
        }
        if (!model.hasGraph()) {
            throw new ModelFormatException(Code.INVALID_MODEL, source + " is a ModelProto (ir_version "
                    + model.getIrVersion() + ") without a graph; expected field 'graph' (7)");
        }
        return model;
    }

    private static Probe probe(byte[] bytes) {
        CodedInputStream input = CodedInputStream.newInstance(bytes);
        int knownFields = 0;
        boolean evidence = false;
        try {
            while (!input.isAtEnd()) {
                int start = input.getTotalBytesRead();
                int tag = input.readTag();
                int field = tag >>> 3;
                int wire = tag & 7;
                Integer expectedWire = TOP_LEVEL_WIRE_TYPES.get(field);
                boolean known = expectedWire != null;
                if (!known && knownFields == 0) {
                    return new Probe(Verdict.NOT_ONNX, "first field number " + field + " (wire type " + wire
                            + ") is not a ModelProto field");
                }
                if (known && wire != expectedWire) {
                    return new Probe(Verdict.NOT_ONNX, "field " + field + " at offset " + start
                            + " has wire type " + wire + "; ModelProto." + TOP_LEVEL_NAMES.get(field)
                            + " needs wire type " + expectedWire);
                }
                String name = known ? "'" + TOP_LEVEL_NAMES.get(field) + "' (" + field + ")" : "unknown field " + field;
                int remaining = bytes.length - input.getTotalBytesRead();
                switch (wire) {
                    case 0 -> {
                        if (!hasCompleteVarint(bytes, input.getTotalBytesRead())) {
                            return truncatedOrNot(knownFields, "offset " + bytes.length + ": field " + name
                                    + " starting at offset " + start + " has an unfinished number");
                        }
                        long value = input.readRawVarint64();
                        evidence |= field == 1 && value >= 1 && value <= 64;
                    }
                    case 1, 5 -> {
                        int width = wire == 1 ? 8 : 4;
                        if (remaining < width) {
                            return truncatedOrNot(knownFields, "offset " + bytes.length + ": field " + name
                                    + " needs " + width + " bytes, " + remaining + " remain");
                        }
                        input.skipRawBytes(width);
                    }
                    case 2 -> {
                        if (!hasCompleteVarint(bytes, input.getTotalBytesRead())) {
                            return truncatedOrNot(knownFields, "offset " + bytes.length + ": the length of field "
                                    + name + " starting at offset " + start + " is cut off");
                        }
                        int length = input.readRawVarint32();
                        remaining = bytes.length - input.getTotalBytesRead();
                        if (length < 0) {
                            return new Probe(Verdict.NOT_ONNX, "field " + name + " at offset " + start
                                    + " declares a negative length");
                        }
                        if (length > remaining) {
                            return truncatedOrNot(knownFields, "offset " + bytes.length + ": field " + name
                                    + " starting at offset " + start + " declares " + length + " bytes but only "
                                    + remaining + " remain");
                        }
                        if (STRING_FIELDS.contains(field) && !isUtf8(bytes, input.getTotalBytesRead(), length)) {
                            return new Probe(Verdict.NOT_ONNX, "string field " + name + " at offset " + start
                                    + " is not UTF-8");
                        }
                        if (known && !evidence) {
                            evidence = looksLikeField(field, bytes, input.getTotalBytesRead(), length);
                        }
                        input.skipRawBytes(length);
                    }
                    default -> {
                        return new Probe(Verdict.NOT_ONNX, "field " + field + " at offset " + start
                                + " has wire type " + wire + ", which ONNX never uses");
                    }
                }
                if (known && evidence) {
                    knownFields++;
                }
            }
        } catch (IOException e) {
            return new Probe(knownFields == 0 ? Verdict.NOT_ONNX : Verdict.TRUNCATED, e.getMessage());
        }
        return knownFields > 0 ? new Probe(Verdict.LOOKS_ONNX, "")
                : new Probe(Verdict.NOT_ONNX, "no field that an ONNX model would have (ir_version, strings, graph)");
    }

    private static Probe truncatedOrNot(int knownFields, String detail) {
        return knownFields > 0 ? new Probe(Verdict.TRUNCATED, detail)
                : new Probe(Verdict.NOT_ONNX, "the first field is cut off: " + detail);
    }

    /** True when a complete length-delimited field holds what ONNX would put there. */
    private static boolean looksLikeField(int field, byte[] bytes, int offset, int length) {
        if (STRING_FIELDS.contains(field)) {
            if (length == 0) {
                return false;
            }
            for (int i = offset; i < offset + length; i++) {
                int b = bytes[i] & 0xff;
                if (b < 0x20 && b != '\n' && b != '\r' && b != '\t' || b == 0x7f) {
                    return false;
                }
            }
            return isUtf8(bytes, offset, length);
        }
        if (length < 2) {
            return false;
        }
        try {
            CodedInputStream sub = CodedInputStream.newInstance(bytes, offset, length);
            switch (field) {
                case 7 -> dev.outpost.model.proto.Onnx.GraphProto.parseFrom(sub);
                case 8 -> dev.outpost.model.proto.Onnx.OperatorSetIdProto.parseFrom(sub);
                case 14 -> dev.outpost.model.proto.Onnx.StringStringEntryProto.parseFrom(sub);
                case 20 -> dev.outpost.model.proto.Onnx.TrainingInfoProto.parseFrom(sub);
                case 25 -> dev.outpost.model.proto.Onnx.FunctionProto.parseFrom(sub);
                default -> {
                    return false;
                }
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean hasCompleteVarint(byte[] bytes, int offset) {
        for (int i = offset; i < bytes.length && i < offset + 10; i++) {
            if ((bytes[i] & 0x80) == 0) {
                return true;
            }
        }
        return false;
    }

    private static boolean isUtf8(byte[] bytes, int offset, int length) {
        try {
            StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes, offset, length));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static String hexPrefix(byte[] bytes) {
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < Math.min(8, bytes.length); i++) {
            hex.append(String.format("%02x", bytes[i] & 0xff));
        }
        return hex.toString();
    }
}
