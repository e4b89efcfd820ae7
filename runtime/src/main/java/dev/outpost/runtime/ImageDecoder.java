package dev.outpost.runtime;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.PixelInterleavedSampleModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Decodes JPEG / PNG bytes with {@code javax.imageio} into an {@link Image}, reading the raster's
 * arrays directly (never {@code getRGB} per pixel). Read warnings (e.g. a truncated JPEG, which ImageIO
 * otherwise fills with gray) are errors. Stateless and thread-safe.
 */
final class ImageDecoder {

    /** The largest image decoded: 100 megapixels (300 MB of RGB), far above any camera frame a model takes. */
    static final long MAX_PIXELS = 100_000_000L;

    static {
        ImageIO.setUseCache(false);
    }

    private ImageDecoder() {
    }

    static Image read(Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw fail("Image file " + file + " does not exist", e);
        } catch (IOException e) {
            throw fail("Cannot read image file " + file + ": " + e.getMessage(), e);
        }
        return decode(bytes, file.toString());
    }

    static Image decode(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw fail(source + " is empty (0 bytes); expected a JPEG or PNG image", null);
        }
        String format = detectFormat(bytes);
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw fail(source + " is not an image: " + format + "; expected a JPEG or PNG image", null);
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((ignored, warning) -> warnings.add(warning));
                checkSize(reader.getWidth(0), reader.getHeight(0), source, format);
                BufferedImage image = reader.read(0);
                if (!warnings.isEmpty()) {
                    throw fail(source + " is a damaged or truncated " + format + " (" + bytes.length + " bytes): "
                            + warnings.getFirst(), null);
                }
                return toRgb(image, source, format);
            } finally {
                reader.dispose();
            }
        } catch (InferenceException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            String detail = String.valueOf(e.getMessage());
            if (format.startsWith("JPEG") && detail.contains("Unsupported Image Type")) {
                throw fail(source + " is a CMYK or YCCK JPEG, which is not supported; convert it to RGB", e);
            }
            throw fail(source + " is a damaged or truncated " + format + " (" + bytes.length + " bytes): "
                    + e.getClass().getSimpleName() + ": " + detail, e);
        }
    }

    /**
     * Refuses an image whose declared size is beyond {@link #MAX_PIXELS} before any pixel memory is
     * taken: a few hundred bytes of PNG can declare 40000x40000 pixels (a decompression bomb).
     */
    static void checkSize(int width, int height, String source, String format) {
        long pixels = (long) width * height;
        if (width <= 0 || height <= 0 || pixels > MAX_PIXELS) {
            throw fail(source + " is a " + format + " of " + width + "x" + height + " pixels; expected a non-empty"
                    + " image of at most " + MAX_PIXELS / 1_000_000 + " megapixels", null);
        }
    }

    private static Image toRgb(BufferedImage image, String source, String format) {
        int width = image.getWidth();
        int height = image.getHeight();
        if (width <= 0 || height <= 0) {
            throw fail(source + " is a " + format + " of size " + width + "x" + height + "; expected a non-empty image", null);
        }
        ColorModel model = image.getColorModel();
        int colorType = model.getColorSpace().getType();
        if (colorType == ColorSpace.TYPE_CMYK) {
            throw fail(source + " is a CMYK image, which is not supported; convert it to RGB", null);
        }
        if (colorType != ColorSpace.TYPE_RGB && colorType != ColorSpace.TYPE_GRAY) {
            throw fail(source + " has an unsupported color space (type " + colorType + "); expected RGB or grayscale", null);
        }
        byte[] rgb = new byte[Math.multiplyExact(Math.multiplyExact(width, height), 3)];
        Raster raster = image.getRaster();
        if (model instanceof ComponentColorModel && model.getComponentSize(0) == 8
                && raster.getDataBuffer() instanceof DataBufferByte buffer
                && raster.getSampleModel() instanceof PixelInterleavedSampleModel sampleModel
                && raster.getSampleModelTranslateX() == 0 && raster.getSampleModelTranslateY() == 0) {
            copyInterleaved(buffer, sampleModel, model.getNumColorComponents(), width, height, rgb);
        } else {
            copyRows(raster, model, width, height, rgb);
        }
        return Image.owning(width, height, rgb);
    }

    /** The fast path: 8-bit interleaved samples (JPEG BGR, PNG RGB/RGBA/gray/gray+alpha). */
    private static void copyInterleaved(DataBufferByte buffer, PixelInterleavedSampleModel sampleModel,
            int colors, int width, int height, byte[] rgb) {
        byte[] data = buffer.getData();
        int base = buffer.getOffset();
        int[] offsets = sampleModel.getBandOffsets();
        int pixelStride = sampleModel.getPixelStride();
        int scanline = sampleModel.getScanlineStride();
        int red = offsets[0];
        int green = colors == 3 ? offsets[1] : offsets[0];
        int blue = colors == 3 ? offsets[2] : offsets[0];
        int out = 0;
        for (int y = 0; y < height; y++) {
            int in = base + y * scanline;
            for (int x = 0; x < width; x++, in += pixelStride) {
                rgb[out++] = data[in + red];
                rgb[out++] = data[in + green];
                rgb[out++] = data[in + blue];
            }
        }
    }

    /** Any other raster (palette, packed ints, 16-bit): one row of samples at a time. */
    private static void copyRows(Raster raster, ColorModel model, int width, int height, byte[] rgb) {
        int bands = raster.getNumBands();
        int[] row = new int[width * bands];
        IndexColorModel palette = model instanceof IndexColorModel indexed ? indexed : null;
        byte[][] lut = null;
        if (palette != null) {
            lut = new byte[3][palette.getMapSize()];
            palette.getReds(lut[0]);
            palette.getGreens(lut[1]);
            palette.getBlues(lut[2]);
        }
        int colors = model.getNumColorComponents();
        int bits = model.getComponentSize(0);
        int out = 0;
        for (int y = 0; y < height; y++) {
            raster.getPixels(raster.getMinX(), raster.getMinY() + y, width, 1, row);
            for (int x = 0; x < width; x++) {
                int at = x * bands;
                if (lut != null) {
                    int index = Math.min(row[at], lut[0].length - 1);
                    rgb[out++] = lut[0][index];
                    rgb[out++] = lut[1][index];
                    rgb[out++] = lut[2][index];
                } else if (colors == 3) {
                    rgb[out++] = to8Bit(row[at], bits);
                    rgb[out++] = to8Bit(row[at + 1], bits);
                    rgb[out++] = to8Bit(row[at + 2], bits);
                } else {
                    byte gray = to8Bit(row[at], bits);
                    rgb[out++] = gray;
                    rgb[out++] = gray;
                    rgb[out++] = gray;
                }
            }
        }
    }

    private static byte to8Bit(int sample, int bits) {
        if (bits == 8) {
            return (byte) sample;
        }
        if (bits > 8) {
            return (byte) (sample >>> (bits - 8));
        }
        return (byte) Math.round(sample * 255.0 / ((1 << bits) - 1));
    }

    /** Names the format from the first bytes, or shows those bytes. */
    static String detectFormat(byte[] bytes) {
        if (startsWith(bytes, 0xff, 0xd8, 0xff)) {
            return "JPEG";
        }
        if (startsWith(bytes, 0x89, 'P', 'N', 'G')) {
            return "PNG";
        }
        if (startsWith(bytes, 'G', 'I', 'F', '8')) {
            return "GIF";
        }
        if (startsWith(bytes, 'B', 'M')) {
            return "BMP";
        }
        int shown = Math.min(bytes.length, 16);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < shown; i++) {
            int c = bytes[i] & 0xff;
            text.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        return "unknown format, first bytes " + HexFormat.ofDelimiter(" ").formatHex(bytes, 0, shown)
                + " (\"" + text + "\")";
    }

    private static boolean startsWith(byte[] bytes, int... prefix) {
        if (bytes.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if ((bytes[i] & 0xff) != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static InferenceException fail(String message, Throwable cause) {
        return new InferenceException(InferenceException.Code.PIPELINE, message, cause);
    }
}
