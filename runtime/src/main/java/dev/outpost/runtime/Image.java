package dev.outpost.runtime;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A decoded image: 8-bit RGB pixels, row-major and interleaved ({@code r, g, b} per pixel), with its
 * width and height. Grayscale sources have {@code r == g == b}; alpha is dropped.
 *
 * <p>Immutable (the pixel array is never handed out) and thread-safe.
 */
public final class Image {

    private final int width;
    private final int height;
    private final byte[] rgb;

    private Image(int width, int height, byte[] rgb) {
        this.width = width;
        this.height = height;
        this.rgb = rgb;
    }

    /**
     * Decodes a JPEG or PNG file (any format {@code javax.imageio} reads).
     *
     * @throws InferenceException with code PIPELINE naming the file and what was found when it is
     *     missing, empty, not an image, truncated, zero-sized or CMYK
     */
    public static Image read(Path file) {
        return ImageDecoder.read(file);
    }

    /**
     * Decodes encoded image bytes.
     *
     * @param bytes the encoded file content
     * @param sourceName how errors name the source (a file name or a request id)
     * @throws InferenceException PIPELINE as for {@link #read(Path)}
     */
    public static Image decode(byte[] bytes, String sourceName) {
        return ImageDecoder.decode(bytes, sourceName);
    }

    /**
     * An image from interleaved RGB bytes (copied).
     *
     * @throws IllegalArgumentException when the size is not positive or the array length is not
     *     {@code width * height * 3}
     */
    public static Image ofRgb(int width, int height, byte[] rgb) {
        Objects.requireNonNull(rgb, "rgb");
        checkSize(width, height, rgb.length);
        return new Image(width, height, rgb.clone());
    }

    /** Wraps an array that no one else holds (no copy). */
    static Image owning(int width, int height, byte[] rgb) {
        checkSize(width, height, rgb.length);
        return new Image(width, height, rgb);
    }

    private static void checkSize(int width, int height, int length) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("Image size " + width + "x" + height + " is invalid; both must be > 0");
        }
        if ((long) width * height * 3 != length) {
            throw new IllegalArgumentException("RGB data has " + length + " bytes; a " + width + "x" + height
                    + " image needs " + (long) width * height * 3);
        }
    }

    /** Width in pixels. */
    public int width() {
        return width;
    }

    /** Height in pixels. */
    public int height() {
        return height;
    }

    /** A copy of the interleaved RGB bytes. */
    public byte[] rgb() {
        return rgb.clone();
    }

    /** The pixel at ({@code x}, {@code y}) as {@code 0xRRGGBB}. */
    public int rgbAt(int x, int y) {
        Objects.checkIndex(x, width);
        Objects.checkIndex(y, height);
        int i = (y * width + x) * 3;
        return (rgb[i] & 0xff) << 16 | (rgb[i + 1] & 0xff) << 8 | rgb[i + 2] & 0xff;
    }

    /**
     * A copy with the red and blue channels exchanged, for data sets whose files store BGR as RGB
     * (e.g. the MLPerf Tiny Visual Wake Words images).
     */
    public Image withRedBlueSwapped() {
        byte[] swapped = rgb.clone();
        for (int i = 0; i < swapped.length; i += 3) {
            byte red = swapped[i];
            swapped[i] = swapped[i + 2];
            swapped[i + 2] = red;
        }
        return new Image(width, height, swapped);
    }

    /** The internal array; callers must not modify it. */
    byte[] pixels() {
        return rgb;
    }

    @Override
    public String toString() {
        return "Image[" + width + "x" + height + " RGB]";
    }
}
