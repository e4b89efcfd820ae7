package dev.outpost.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageDecodeTest {

    @TempDir
    Path dir;

    private static byte[] encode(BufferedImage image, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(image, format, out)).as("ImageIO writes " + format).isTrue();
        return out.toByteArray();
    }

    private static BufferedImage pattern(int type, int width, int height) {
        BufferedImage image = new BufferedImage(width, height, type);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, 0x80000000 | (x * 40) << 16 | (y * 50) << 8 | (x * 7 + y * 3));
            }
        }
        return image;
    }

    @Test
    void png_declaring_a_huge_size_is_refused_before_any_pixel_memory_is_taken() throws IOException {
        java.awt.image.BufferedImage tiny = new java.awt.image.BufferedImage(1, 1, java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(tiny, "png", out);
        byte[] png = out.toByteArray();
        // IHDR starts at byte 8: length(4) "IHDR"(4) width(4) height(4) ...; its CRC covers type + data (17 bytes).
        java.nio.ByteBuffer header = java.nio.ByteBuffer.wrap(png);
        header.putInt(16, 40_000).putInt(20, 40_000);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(png, 12, 17);
        header.putInt(29, (int) crc.getValue());
        assertThatThrownBy(() -> Image.decode(png, "bomb.png"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("bomb.png is a PNG of 40000x40000 pixels")
                .hasMessageContaining("at most 100 megapixels");
    }

    @Test
    void png_rgb_decodes_to_the_exact_pixels() throws IOException {
        Path file = dir.resolve("rgb.png");
        Files.write(file, encode(pattern(BufferedImage.TYPE_INT_RGB, 5, 4), "png"));

        Image image = Image.read(file);

        assertThat(image.width()).isEqualTo(5);
        assertThat(image.height()).isEqualTo(4);
        assertThat(image.rgbAt(3, 2)).isEqualTo(120 << 16 | 100 << 8 | 27);
    }

    @Test
    void png_with_alpha_drops_the_alpha_and_keeps_the_color() throws IOException {
        BufferedImage source = pattern(BufferedImage.TYPE_INT_ARGB, 4, 3);

        Image image = Image.decode(encode(source, "png"), "alpha.png");

        assertThat(image.rgbAt(2, 1)).isEqualTo(80 << 16 | 50 << 8 | 17);
    }

    @Test
    void grayscale_png_gives_equal_channels_with_the_stored_values() throws IOException {
        BufferedImage gray = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setPixels(0, 0, 3, 1, new int[] {0, 77, 255});

        Image image = Image.decode(encode(gray, "png"), "gray.png");

        assertThat(image.rgbAt(1, 0)).isEqualTo(77 << 16 | 77 << 8 | 77);
        assertThat(image.rgbAt(2, 0)).isEqualTo(0xffffff);
    }

    @Test
    void palette_png_looks_up_the_palette_colors() throws IOException {
        byte[] reds = {0, (byte) 200, 10, 0};
        byte[] greens = {0, 100, 20, 0};
        byte[] blues = {0, 50, 30, (byte) 255};
        IndexColorModel palette = new IndexColorModel(2, 4, reds, greens, blues);
        BufferedImage indexed = new BufferedImage(4, 1, BufferedImage.TYPE_BYTE_BINARY, palette);
        indexed.getRaster().setPixels(0, 0, 4, 1, new int[] {0, 1, 2, 3});

        Image image = Image.decode(encode(indexed, "png"), "palette.png");

        assertThat(image.rgbAt(1, 0)).isEqualTo(200 << 16 | 100 << 8 | 50);
        assertThat(image.rgbAt(3, 0)).isEqualTo(0x0000ff);
    }

    @Test
    void jpeg_decodes_in_rgb_order() throws IOException {
        BufferedImage red = new BufferedImage(16, 16, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 16; y++) {
            for (int x = 0; x < 16; x++) {
                red.setRGB(x, y, 0xdc1e1e);
            }
        }

        Image image = Image.decode(encode(red, "jpg"), "red.jpg");

        int pixel = image.rgbAt(8, 8);
        assertThat(pixel >> 16 & 0xff).isBetween(0xd0, 0xe8);
        assertThat(pixel >> 8 & 0xff).isBetween(0x10, 0x2c);
        assertThat(pixel & 0xff).isBetween(0x10, 0x2c);
    }

    @Test
    void a_text_file_is_rejected_naming_the_file_and_its_first_bytes() throws IOException {
        Path file = dir.resolve("notes.jpg");
        Files.writeString(file, "hello, this is not an image\n", StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> Image.read(file))
                .isInstanceOf(InferenceException.class)
                .satisfies(e -> assertThat(((InferenceException) e).code()).isEqualTo(InferenceException.Code.PIPELINE))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("is not an image")
                .hasMessageContaining("68 65 6c 6c 6f")
                .hasMessageContaining("\"hello, this is n");
    }

    @Test
    void a_truncated_jpeg_is_rejected_as_damaged() throws IOException {
        byte[] full = encode(pattern(BufferedImage.TYPE_3BYTE_BGR, 64, 64), "jpg");
        Path file = dir.resolve("cut.jpg");
        Files.write(file, Arrays.copyOf(full, full.length / 2));

        assertThatThrownBy(() -> Image.read(file))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("damaged or truncated JPEG");
    }

    @Test
    void a_truncated_png_is_rejected_as_damaged() throws IOException {
        byte[] full = encode(pattern(BufferedImage.TYPE_INT_RGB, 64, 64), "png");

        assertThatThrownBy(() -> Image.decode(Arrays.copyOf(full, full.length / 2), "cut.png"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("cut.png is a damaged or truncated PNG");
    }

    @Test
    void a_cmyk_jpeg_is_rejected_with_a_clear_error() throws IOException {
        // A four-channel raster written without a color model becomes a CMYK (Adobe) JPEG.
        java.awt.image.WritableRaster raster = java.awt.image.Raster.createInterleavedRaster(
                java.awt.image.DataBuffer.TYPE_BYTE, 8, 8, 4, null);
        javax.imageio.ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (javax.imageio.stream.ImageOutputStream stream = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(stream);
            writer.write(null, new javax.imageio.IIOImage(raster, null, null), null);
        } finally {
            writer.dispose();
        }

        assertThatThrownBy(() -> Image.decode(out.toByteArray(), "print.jpg"))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("print.jpg is a CMYK")
                .hasMessageContaining("convert it to RGB");
    }

    @Test
    void a_zero_byte_file_is_rejected_as_empty() throws IOException {
        Path file = Files.createFile(dir.resolve("empty.png"));

        assertThatThrownBy(() -> Image.read(file))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining(file + " is empty (0 bytes)");
    }

    @Test
    void a_missing_file_is_named() {
        Path file = dir.resolve("nowhere.jpg");

        assertThatThrownBy(() -> Image.read(file))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("Image file " + file + " does not exist");
    }

    @Test
    void with_red_blue_swapped_exchanges_only_red_and_blue() {
        Image image = Image.ofRgb(1, 1, new byte[] {1, 2, 3});

        assertThat(image.withRedBlueSwapped().rgbAt(0, 0)).isEqualTo(3 << 16 | 2 << 8 | 1);
        assertThat(image.rgbAt(0, 0)).isEqualTo(1 << 16 | 2 << 8 | 3);
    }

    @Test
    void of_rgb_rejects_a_wrong_length_or_size() {
        assertThatThrownBy(() -> Image.ofRgb(2, 2, new byte[11])).hasMessageContaining("needs 12");
        assertThatThrownBy(() -> Image.ofRgb(0, 2, new byte[0])).hasMessageContaining("0x2 is invalid");
    }
}
