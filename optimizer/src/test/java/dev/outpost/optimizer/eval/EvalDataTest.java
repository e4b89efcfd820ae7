package dev.outpost.optimizer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.optimizer.OptimizerException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each data layout {@link EvalData} recognizes, on small generated files, and the errors for bad ones. */
class EvalDataTest {

    @TempDir
    Path dir;

    /** Writes a lossless PNG of one colour (0xRRGGBB). */
    private static Path png(Path file, int width, int height, int rgb) throws IOException {
        Files.createDirectories(file.getParent());
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, rgb);
            }
        }
        ImageIO.write(image, "png", file.toFile());
        return file;
    }

    private static OptimizerException.Code code(Throwable thrown) {
        return ((OptimizerException) thrown).code();
    }

    // ---- labels.csv ----

    @Test
    void labels_csv_with_classes_txt_reads_labels_names_and_an_evenly_spaced_subset() throws IOException {
        for (int i = 0; i < 6; i++) {
            png(dir.resolve("img/" + i + ".png"), 4, 4, 0x102030);
        }
        Files.writeString(dir.resolve("labels.csv"), "file,class_index,class_name\n"
                + "img/0.png,0,cat\nimg/1.png,0,cat\nimg/2.png,1,dog\nimg/3.png,1,dog\nimg/4.png,2,\"bird, small\"\nimg/5.png,2,\"bird, small\"\n");
        Files.writeString(dir.resolve("classes.txt"), "cat\ndog\nbird\n\n");

        EvalData data = EvalData.open(dir, 3);

        assertThat(data.format()).isEqualTo(DataFormat.LABELS_CSV);
        assertThat(data.task()).isEqualTo(Task.CLASSIFY);
        assertThat(data.classNames()).containsExactly("cat", "dog", "bird");
        assertThat(data.classCount()).isEqualTo(3);
        assertThat(data.available()).isEqualTo(6);
        assertThat(data.size()).isEqualTo(3);
        assertThat(data.samples()).extracting(EvalData.Sample::classIndex).containsExactly(0, 1, 2);
        assertThat(data.samples()).extracting(EvalData.Sample::id).containsExactly("0.png", "2.png", "4.png");
        assertThat(data.samples().getFirst().image().rgbAt(0, 0)).isEqualTo(0x102030);
        assertThat(data.describe()).contains("labels.csv", "3 of 6 samples", "3 classes");
    }

    @Test
    void labels_csv_names_come_from_its_label_column_without_classes_txt_and_the_file_can_be_given() throws IOException {
        png(dir.resolve("a.png"), 2, 2, 0);
        Files.writeString(dir.resolve("mine.csv"), "file,class_index,wnid,label\na.png,4,n1,\"goldfish\"\n");

        EvalData data = EvalData.open(dir.resolve("mine.csv"), EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.LABELS_CSV);
        assertThat(data.classNames()).containsExactly("", "", "", "", "goldfish");
        assertThat(data.classCount()).isEqualTo(5);
    }

    @Test
    void labels_csv_errors_name_the_file_the_line_and_what_was_expected() throws IOException {
        png(dir.resolve("a.png"), 2, 2, 0);
        Path csv = dir.resolve("labels.csv");

        Files.writeString(csv, "path,label\na.png,1\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL))
                .isInstanceOf(OptimizerException.class).satisfies(e -> assertThat(code(e)).isEqualTo(OptimizerException.Code.BAD_DATA))
                .hasMessageContaining("lacks a file or a class_index column");

        Files.writeString(csv, "file,class_index\na.png,one\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("line 2: 'one' is not an integer");

        Files.writeString(csv, "file,class_index\na.png,1\nmissing.png,0\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL))
                .hasMessageContaining("line 3 names").hasMessageContaining("missing.png, which does not exist");

        Files.writeString(csv, "file,class_index\na.png,1,extra\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("line 2 has 3 fields; the header has 2");

        Files.writeString(csv, "file,class_index\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("lists no samples");
    }

    @Test
    void a_corrupt_image_is_named_when_decoding() throws IOException {
        Files.writeString(dir.resolve("broken.jpg"), "not a jpeg");
        Files.writeString(dir.resolve("labels.csv"), "file,class_index\nbroken.jpg,0\n");

        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("Cannot decode image").hasMessageContaining("broken.jpg");
    }

    // ---- Visual Wake Words ----

    @Test
    void vww_labels_map_bin_names_to_jpg_files_and_swap_red_and_blue() throws IOException {
        png(dir.resolve("images/000000000001.png"), 3, 3, 0xff0000);
        // .bin stands for .jpg; a .png name is taken as written.
        Files.writeString(dir.resolve("y_labels.csv"), "000000000001.png,2,1\n\n");

        EvalData data = EvalData.open(dir, EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.VWW_LABELS);
        assertThat(data.classCount()).isEqualTo(2);
        assertThat(data.samples().getFirst().classIndex()).isEqualTo(1);
        assertThat(data.samples().getFirst().image().rgbAt(1, 1)).as("red stored as BGR reads blue").isEqualTo(0x0000ff);
    }

    @Test
    void vww_bad_lines_are_named() throws IOException {
        png(dir.resolve("images/1.jpg"), 2, 2, 0);
        Files.writeString(dir.resolve("y_labels.csv"), "1.bin,2\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("line 1 is '1.bin,2'; expected file,classes,label");

        Files.writeString(dir.resolve("y_labels.csv"), "1.bin,2,5\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("label 5 is outside 0..1");
    }

    // ---- MNIST idx ----

    private void writeIdx(String name, int magic, int[] header, byte[] body, boolean gzip) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(magic);
            for (int value : header) {
                out.writeInt(value);
            }
            out.write(body);
        }
        try (OutputStream file = Files.newOutputStream(dir.resolve(name));
                OutputStream out = gzip ? new GZIPOutputStream(file) : file) {
            out.write(bytes.toByteArray());
        }
    }

    @Test
    void mnist_idx_images_become_gray_rgb_with_their_digits() throws IOException {
        writeIdx("t10k-images-idx3-ubyte.gz", 2051, new int[] {2, 2, 2}, new byte[] {0, 1, 2, 3, (byte) 255, 0, 0, 7}, true);
        writeIdx("t10k-labels-idx1-ubyte.gz", 2049, new int[] {2}, new byte[] {7, 3}, true);

        EvalData data = EvalData.open(dir, EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.MNIST_IDX);
        assertThat(data.classCount()).isEqualTo(10);
        assertThat(data.samples()).extracting(EvalData.Sample::classIndex).containsExactly(7, 3);
        assertThat(data.samples().get(0).image().rgbAt(1, 1)).isEqualTo(0x030303);
        assertThat(data.samples().get(1).image().rgbAt(0, 0)).isEqualTo(0xffffff);
        assertThat(data.samples().get(1).image().width()).isEqualTo(2);
    }

    @Test
    void uncompressed_idx_files_can_be_given_directly() throws IOException {
        writeIdx("train-images-idx3-ubyte", 2051, new int[] {1, 1, 1}, new byte[] {9}, false);
        writeIdx("train-labels-idx1-ubyte", 2049, new int[] {1}, new byte[] {4}, false);

        EvalData data = EvalData.open(dir.resolve("train-images-idx3-ubyte"), EvalData.ALL);

        assertThat(data.samples().getFirst().classIndex()).isEqualTo(4);
    }

    @Test
    void mnist_errors_name_magic_numbers_counts_truncation_and_missing_labels() throws IOException {
        writeIdx("t10k-images-idx3-ubyte.gz", 2049, new int[] {1, 1, 1}, new byte[] {0}, true);
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("have no labels file");

        writeIdx("t10k-labels-idx1-ubyte.gz", 2049, new int[] {1}, new byte[] {1}, true);
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("magic number 2049; expected 2051");

        writeIdx("t10k-images-idx3-ubyte.gz", 2051, new int[] {2, 1, 1}, new byte[] {0, 0}, true);
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("holds 2 images").hasMessageContaining("1 labels");

        writeIdx("t10k-images-idx3-ubyte.gz", 2051, new int[] {1, 28, 28}, new byte[] {0, 0}, true);
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("ends early (truncated)");

        Files.writeString(dir.resolve("t10k-images-idx3-ubyte.gz"), "plain text");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("not gzip");
    }

    // ---- YOLO ----

    @Test
    void yolo_labels_become_boxes_in_pixels_and_the_task_is_detect() throws IOException {
        png(dir.resolve("images/a.png"), 100, 50, 0);
        png(dir.resolve("images/b.png"), 10, 10, 0);
        Files.createDirectories(dir.resolve("labels"));
        Files.writeString(dir.resolve("labels/a.txt"), "3 0.5 0.5 0.2 0.4\n\n1 0.1 0.1 0.2 0.2\n");
        Files.writeString(dir.resolve("coco.names"), "person\nbicycle\ncar\nmotorcycle\n");

        EvalData data = EvalData.open(dir, EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.YOLO);
        assertThat(data.task()).isEqualTo(Task.DETECT);
        assertThat(data.classNames()).hasSize(4).startsWith("person");
        List<Box> boxes = data.samples().getFirst().boxes();
        assertThat(boxes).hasSize(2);
        assertThat(boxes.getFirst().classIndex()).isEqualTo(3);
        assertThat(boxes.getFirst().x1()).isCloseTo(40, within(1e-9));
        assertThat(boxes.getFirst().y1()).isCloseTo(15, within(1e-9));
        assertThat(boxes.getFirst().x2()).isCloseTo(60, within(1e-9));
        assertThat(boxes.getFirst().y2()).isCloseTo(35, within(1e-9));
        assertThat(data.samples().get(1).boxes()).as("no label file: no boxes").isEmpty();
    }

    @Test
    void yolo_errors_name_the_line_and_the_format() throws IOException {
        png(dir.resolve("images/a.png"), 10, 10, 0);
        Files.createDirectories(dir.resolve("labels"));
        Files.writeString(dir.resolve("labels/a.txt"), "3 0.5 0.5 0.2\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("line 1 is '3 0.5 0.5 0.2'; expected 'class cx cy w h'");

        Files.writeString(dir.resolve("labels/a.txt"), "");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("no ground-truth boxes");

        Files.writeString(dir.resolve("labels/a.txt"), "0 0.5 0.5 0.2 0.2\n");
        assertThatThrownBy(() -> EvalData.open(dir, Task.CLASSIFY, EvalData.ALL))
                .hasMessageContaining("Task classify needs class labels").hasMessageContaining("YOLO txt labels");
        assertThat(EvalData.open(dir, Task.TENSOR, EvalData.ALL).task()).isEqualTo(Task.TENSOR);
    }

    // ---- folder per class ----

    @Test
    void folder_per_class_follows_classes_txt_order() throws IOException {
        png(dir.resolve("zebra/1.png"), 2, 2, 0);
        png(dir.resolve("ant/1.png"), 2, 2, 0);
        png(dir.resolve("ant/2.png"), 2, 2, 0);
        Files.writeString(dir.resolve("classes.txt"), "zebra\nant\n");

        EvalData data = EvalData.open(dir, EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.FOLDER_PER_CLASS);
        assertThat(data.classNames()).containsExactly("zebra", "ant");
        assertThat(data.samples()).extracting(EvalData.Sample::classIndex).containsExactly(0, 1, 1);
    }

    @Test
    void folder_per_class_without_classes_txt_sorts_folder_names_and_checks_listed_classes() throws IOException {
        png(dir.resolve("dog/1.png"), 2, 2, 0);
        png(dir.resolve("cat/1.png"), 2, 2, 0);

        assertThat(EvalData.open(dir, EvalData.ALL).classNames()).containsExactly("cat", "dog");

        Files.writeString(dir.resolve("classes.txt"), "cat\ndog\nfox\n");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL))
                .hasMessageContaining("names class 'fox' (index 2) but there is no folder");
    }

    // ---- unlabeled, missing, unknown ----

    @Test
    void images_without_labels_are_for_reference_comparisons_only() throws IOException {
        png(dir.resolve("shots/a.png"), 2, 2, 0);
        png(dir.resolve("shots/b.png"), 2, 2, 0);

        EvalData data = EvalData.open(dir, EvalData.ALL);

        assertThat(data.format()).isEqualTo(DataFormat.IMAGES);
        assertThat(data.task()).isEqualTo(Task.TENSOR);
        assertThat(data.hasLabels()).isFalse();
        assertThat(EvalData.open(dir.resolve("shots/a.png"), Task.EMBED, EvalData.ALL).size()).isEqualTo(1);
        assertThatThrownBy(() -> EvalData.open(dir, Task.CLASSIFY, EvalData.ALL))
                .hasMessageContaining("needs class labels").hasMessageContaining("labels.csv");
        assertThatThrownBy(() -> EvalData.open(dir, Task.DETECT, EvalData.ALL))
                .hasMessageContaining("needs ground-truth boxes").hasMessageContaining("labels/<id>.txt");
    }

    @Test
    void missing_empty_and_unrecognised_data_say_what_was_expected() throws IOException {
        assertThatThrownBy(() -> EvalData.open(dir.resolve("nope"), EvalData.ALL))
                .isInstanceOf(OptimizerException.class).hasMessageContaining("does not exist").hasMessageContaining("MNIST idx");

        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).hasMessageContaining("the folder is empty");

        Files.writeString(dir.resolve("notes.txt"), "hello");
        Files.createDirectories(dir.resolve("raw"));
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL))
                .hasMessageContaining("no layout Outpost recognizes").hasMessageContaining("labels.csv")
                .hasMessageContaining("Found: notes.txt, raw/");

        assertThatThrownBy(() -> EvalData.open(dir.resolve("notes.txt"), EvalData.ALL)).hasMessageContaining("not a labels file");

        Files.writeString(dir.resolve("other.csv"), "a,b\n");
        assertThatThrownBy(() -> EvalData.open(dir.resolve("other.csv"), EvalData.ALL))
                .hasMessageContaining("first line is 'a,b'");
    }

    @Test
    void a_limit_below_one_is_an_invalid_option() {
        assertThatThrownBy(() -> EvalData.open(dir, 0))
                .isInstanceOf(OptimizerException.class)
                .satisfies(e -> assertThat(code(e)).isEqualTo(OptimizerException.Code.INVALID_OPTION));
    }

    @Test
    void task_names_parse_case_insensitively_and_unknown_ones_list_the_choices() {
        assertThat(Task.parse("Detect")).isEqualTo(Task.DETECT);
        assertThat(Task.CLASSIFY.cliName()).isEqualTo("classify");
        assertThatThrownBy(() -> Task.parse("segment")).hasMessageContaining("[classify, detect, embed, tensor]");
    }
}
