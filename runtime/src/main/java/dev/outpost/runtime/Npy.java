package dev.outpost.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes tensors as NumPy {@code .npy} files (format versions 1.0 to 3.0, C order), the
 * plain-tensor exchange format of the Python side of the field ({@code numpy.save}/{@code numpy.load}).
 *
 * <p>Stateless and thread-safe.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    private Npy() {
    }

    /**
     * Reads a {@code .npy} file into a new tensor.
     *
     * @throws InferenceException with {@code INVALID_ARGUMENT} naming the file and what is wrong
     *     (not an npy file, Fortran order, unsupported dtype, data shorter than the header says)
     */
    public static Tensor read(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString());
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT,
                    "Cannot read tensor file " + file + ": " + e.getMessage(), e);
        }
    }

    static Tensor read(InputStream in, String source) throws IOException {
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8 || !startsWithMagic(magic)) {
            throw invalid(source, "is not a NumPy .npy file (expected the magic bytes \\x93NUMPY, got "
                    + describe(magic) + ")");
        }
        int major = magic[6];
        int headerLength;
        if (major == 1) {
            byte[] len = in.readNBytes(2);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getShort() & 0xffff;
        } else if (major == 2 || major == 3) {
            byte[] len = in.readNBytes(4);
            headerLength = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getInt();
        } else {
            throw invalid(source, "has .npy format version " + major + "; supported are 1, 2 and 3");
        }
        if (headerLength < 0 || headerLength > 1 << 20) {
            throw invalid(source, "has a header length of " + headerLength + " bytes, which is not plausible");
        }
        String header = new String(in.readNBytes(headerLength),
                major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, source, "descr");
        if (Boolean.parseBoolean(group(FORTRAN, header, source, "fortran_order").toLowerCase(Locale.ROOT))) {
            throw invalid(source, "is in Fortran order; save it with numpy.ascontiguousarray first");
        }
        long[] shape = parseShape(group(SHAPE, header, source, "shape"), source);
        DType type = dtypeOf(descr, source);
        ByteOrder order = descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        int expected;
        try {
            expected = Tensor.checkedByteCount(type, shape);
        } catch (IllegalArgumentException tooLarge) {
            throw invalid(source, "cannot be read: " + tooLarge.getMessage());
        }
        // Read before allocating: readNBytes grows with the bytes really there, so a header that
        // overstates the shape costs no large allocation.
        byte[] data = in.readNBytes(expected);
        if (data.length != expected) {
            throw invalid(source, "holds " + data.length + " data bytes; its header (" + descr + ", shape "
                    + java.util.Arrays.toString(shape) + ") needs " + expected);
        }
        Tensor tensor = Tensor.allocate(type, shape);
        copySwapped(ByteBuffer.wrap(data).order(order), tensor.buffer(), type.byteSize());
        return tensor;
    }

    /** Writes a numeric tensor as a version 1.0 {@code .npy} file (little-endian, C order). */
    public static void write(Tensor tensor, Path file) {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(tensor, out);
        } catch (IOException e) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT,
                    "Cannot write tensor file " + file + ": " + e.getMessage(), e);
        }
    }

    static void write(Tensor tensor, OutputStream out) throws IOException {
        String descr = descrOf(tensor.type());
        String dims = java.util.Arrays.stream(tensor.shape()).mapToObj(Long::toString)
                .collect(java.util.stream.Collectors.joining(", "));
        String tuple = tensor.rank() == 1 ? "(" + dims + ",)" : "(" + dims + ")";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + tuple + ", }";
        int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
        int padding = (64 - unpadded % 64) % 64;
        String header = dict + " ".repeat(padding) + "\n";
        out.write(MAGIC);
        out.write(new byte[] {1, 0});
        out.write(ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) header.length()).array());
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        ByteBuffer source = tensor.buffer();
        ByteBuffer little = ByteBuffer.allocate(source.capacity()).order(ByteOrder.LITTLE_ENDIAN);
        copySwapped(source, little, tensor.type().byteSize());
        out.write(little.array());
    }

    private static void copySwapped(ByteBuffer from, ByteBuffer to, int width) {
        if (from.order() == to.order() || width == 1) {
            to.put(from.duplicate().clear());
            to.clear();
            return;
        }
        ByteBuffer src = from.duplicate().order(from.order()).clear();
        for (int i = 0; i < src.capacity(); i += width) {
            switch (width) {
                case 2 -> to.putShort(i, src.getShort(i));
                case 4 -> to.putInt(i, src.getInt(i));
                case 8 -> to.putLong(i, src.getLong(i));
                default -> throw new AssertionError("width " + width);
            }
        }
    }

    private static DType dtypeOf(String descr, String source) {
        String kind = descr.length() > 1 && "<>|=".indexOf(descr.charAt(0)) >= 0 ? descr.substring(1) : descr;
        return switch (kind) {
            case "f4" -> DType.FLOAT32;
            case "f8" -> DType.FLOAT64;
            case "f2" -> DType.FLOAT16;
            case "i1" -> DType.INT8;
            case "u1" -> DType.UINT8;
            case "i2" -> DType.INT16;
            case "u2" -> DType.UINT16;
            case "i4" -> DType.INT32;
            case "u4" -> DType.UINT32;
            case "i8" -> DType.INT64;
            case "u8" -> DType.UINT64;
            case "b1" -> DType.BOOL;
            default -> throw invalid(source, "has dtype '" + descr
                    + "'; supported are f2 f4 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1");
        };
    }

    private static String descrOf(DType type) {
        return switch (type) {
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
            case FLOAT16 -> "<f2";
            case INT8 -> "|i1";
            case UINT8 -> "|u1";
            case INT16 -> "<i2";
            case UINT16 -> "<u2";
            case INT32 -> "<i4";
            case UINT32 -> "<u4";
            case INT64 -> "<i8";
            case UINT64 -> "<u8";
            case BOOL -> "|b1";
            case BFLOAT16, STRING -> throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT,
                    "A " + type + " tensor has no .npy dtype; convert it to FLOAT32 first");
        };
    }

    private static long[] parseShape(String text, String source) {
        List<Long> dims = new ArrayList<>();
        for (String part : text.split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(trimmed.replace("L", ""));
                if (d < 0) {
                    throw invalid(source, "has a negative dimension in shape (" + text + ")");
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw invalid(source, "has a shape that is not a tuple of integers: (" + text + ")");
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    private static String group(Pattern pattern, String header, String source, String key) {
        Matcher m = pattern.matcher(header);
        if (!m.find()) {
            throw invalid(source, "has a header without '" + key + "': " + header.trim());
        }
        return m.group(1);
    }

    private static boolean startsWithMagic(byte[] bytes) {
        for (int i = 0; i < MAGIC.length; i++) {
            if (bytes[i] != MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    private static String describe(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            out.append(String.format("%02x", b & 0xff));
        }
        return bytes.length == 0 ? "an empty file" : "0x" + out;
    }

    private static InferenceException invalid(String source, String what) {
        return new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Tensor file " + source + " " + what);
    }
}
