package dev.outpost.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.testing.Datasets.Box;
import dev.outpost.testing.Datasets.DetectionSample;
import dev.outpost.testing.Datasets.LabeledImage;
import java.awt.image.BufferedImage;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    @TempDir
    Path dir;

    private static Path data() {
        Path data = Path.of(System.getProperty("outpost.data", "../shared/data"));
        Assumptions.assumeTrue(Files.isDirectory(data), "no data folder at " + data + "; set -Doutpost.data");
        return data;
    }

    private void writeIdx(Path file, int magic, int[] dims, byte[] payload) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new GZIPOutputStream(Files.newOutputStream(file)))) {
            out.writeInt(magic);
            for (int dim : dims) {
                out.writeInt(dim);
            }
            out.write(payload);
        }
    }

    @Test
    void mnist_idx_files_are_read_image_by_image() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        writeIdx(images, 2051, new int[] {2, 2, 3}, new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, (byte) 255});
        writeIdx(labels, 2049, new int[] {2}, new byte[] {7, 2});

        Datasets.Mnist mnist = Datasets.readMnist(images, labels);

        assertThat(mnist.size()).isEqualTo(2);
        assertThat(mnist.rows()).isEqualTo(2);
        assertThat(mnist.columns()).isEqualTo(3);
        assertThat(mnist.image(1)).containsExactly(7, 8, 9, 10, 11, (byte) 255);
        assertThat(mnist.label(0)).isEqualTo(7);
    }

    @Test
    void mnist_with_a_wrong_magic_or_count_is_rejected() throws IOException {
        Path images = dir.resolve("images.gz");
        Path labels = dir.resolve("labels.gz");
        writeIdx(images, 2049, new int[] {1}, new byte[] {1});
        writeIdx(labels, 2049, new int[] {1}, new byte[] {1});
        assertThatThrownBy(() -> Datasets.readMnist(images, labels)).hasMessageContaining("expected 2051");

        writeIdx(images, 2051, new int[] {1, 1, 1}, new byte[] {1});
        writeIdx(labels, 2049, new int[] {2}, new byte[] {1, 2});
        assertThatThrownBy(() -> Datasets.readMnist(images, labels)).hasMessageContaining("holds 2 labels");
    }

    @Test
    void labels_csv_resolves_files_and_honours_quotes() throws IOException {
        Path csv = dir.resolve("labels.csv");
        Files.writeString(csv, "file,class_index,wnid,label\nimages/a.JPEG,5,n1,\"electric ray, crampfish\"\n\n");

        assertThat(Datasets.readLabelsCsv(csv)).containsExactly(new LabeledImage(dir.resolve("images/a.JPEG"), 5));
        Files.writeString(csv, "name,class\nx,1\n");
        assertThatThrownBy(() -> Datasets.readLabelsCsv(csv)).hasMessageContaining("lacks file or class_index");
        Files.writeString(csv, "file,class_index\nx,one\n");
        assertThatThrownBy(() -> Datasets.readLabelsCsv(csv)).hasMessageContaining("line 2: 'one' is not an integer");
    }

    @Test
    void folder_per_class_follows_classes_txt_order() throws IOException {
        Files.createDirectories(dir.resolve("zebra"));
        Files.createDirectories(dir.resolve("ant"));
        Files.writeString(dir.resolve("zebra/1.jpg"), "x");
        Files.writeString(dir.resolve("ant/2.jpg"), "x");

        assertThat(Datasets.readFolderPerClass(dir)).extracting(LabeledImage::classIndex).containsExactly(0, 1);
        Files.writeString(dir.resolve("classes.txt"), "zebra\nant\n");
        assertThat(Datasets.readFolderPerClass(dir)).containsExactly(
                new LabeledImage(dir.resolve("zebra/1.jpg"), 0), new LabeledImage(dir.resolve("ant/2.jpg"), 1));
    }

    @Test
    void vww_labels_map_bin_names_to_jpegs() throws IOException {
        Path csv = dir.resolve("y_labels.csv");
        Files.writeString(csv, "000000343218.bin,2,1\n000000000001.bin,2,0\n");

        assertThat(Datasets.readVwwLabels(csv, dir.resolve("images"))).containsExactly(
                new LabeledImage(dir.resolve("images/000000343218.jpg"), 1),
                new LabeledImage(dir.resolve("images/000000000001.jpg"), 0));
    }

    @Test
    void yolo_labels_become_pixel_boxes() throws IOException {
        Path labels = dir.resolve("1.txt");
        Files.writeString(labels, "3 0.5 0.25 0.2 0.1\n\n");

        List<Box> boxes = Datasets.readYoloBoxes(labels, 200, 100);

        assertThat(boxes).hasSize(1);
        Box box = boxes.getFirst();
        assertThat(box.classIndex()).isEqualTo(3);
        assertThat(box.x1()).isCloseTo(80, within(1e-9));
        assertThat(box.y1()).isCloseTo(20, within(1e-9));
        assertThat(box.x2()).isCloseTo(120, within(1e-9));
        assertThat(box.y2()).isCloseTo(30, within(1e-9));
        Files.writeString(labels, "3 0.5 0.25 0.2\n");
        assertThatThrownBy(() -> Datasets.readYoloBoxes(labels, 200, 100)).hasMessageContaining("expected 'class cx cy w h'");
    }

    @Test
    void yolo_dataset_pairs_images_with_label_files_by_name_even_without_an_extension() throws IOException {
        Files.createDirectories(dir.resolve("images"));
        Files.createDirectories(dir.resolve("labels"));
        BufferedImage image = new BufferedImage(200, 100, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(image, "png", dir.resolve("images/1.png").toFile());
        ImageIO.write(image, "png", dir.resolve("images/2").toFile());
        Files.writeString(dir.resolve("labels/1.txt"), "3 0.5 0.25 0.2 0.1\n");
        Files.writeString(dir.resolve("labels/2.txt"), "4 0.5 0.5 1 1\n");

        List<DetectionSample> samples = Datasets.readYoloDataset(dir);

        assertThat(samples).extracting(DetectionSample::id).containsExactly("1", "2");
        assertThat(samples).allSatisfy(sample -> assertThat(sample.width()).isEqualTo(200));
        assertThat(samples.getFirst().boxes()).containsExactly(new Box(3, 80, 20, 120, 30));
        assertThat(samples.getLast().boxes()).containsExactly(new Box(4, 0, 0, 200, 100));
    }

    @Test
    void shared_mnist_is_the_10k_test_set() {
        Path mnistDir = data().resolve("mnist");
        Datasets.Mnist mnist = Datasets.readMnist(mnistDir.resolve("t10k-images-idx3-ubyte.gz"),
                mnistDir.resolve("t10k-labels-idx1-ubyte.gz"));

        assertThat(mnist.size()).isEqualTo(10_000);
        assertThat(mnist.rows()).isEqualTo(28);
        assertThat(mnist.label(0)).isEqualTo(7);
        assertThat(mnist.label(1)).isEqualTo(2);
    }

    @Test
    void shared_classification_sets_have_the_documented_sizes() {
        Path data = data();
        List<LabeledImage> imagenet = Datasets.readLabelsCsv(data.resolve("imagenet-samples/labels.csv"));
        assertThat(imagenet).hasSize(200).allSatisfy(sample -> assertThat(sample.file()).isRegularFile());
        assertThat(imagenet.getFirst().classIndex()).isZero();
        assertThat(imagenet.get(1).classIndex()).isEqualTo(5);

        List<LabeledImage> cifar = Datasets.readFolderPerClass(data.resolve("cifar10-test-subset"));
        assertThat(cifar).hasSize(1000);
        assertThat(cifar.stream().collect(Collectors.groupingBy(LabeledImage::classIndex, Collectors.counting())))
                .hasSize(10).allSatisfy((index, count) -> assertThat(count).isEqualTo(100));
        assertThat(Datasets.readLabelsCsv(data.resolve("cifar10-test-subset/labels.csv"))).containsExactlyElementsOf(cifar);

        List<LabeledImage> vww = Datasets.readVwwLabels(data.resolve("vww-96/y_labels.csv"), data.resolve("vww-96/images"));
        assertThat(vww).hasSize(1000).allSatisfy(sample -> assertThat(sample.file()).isRegularFile());
        assertThat(vww.stream().filter(sample -> sample.classIndex() == 1)).hasSize(500);
    }

    @Test
    void shared_coco_subset_boxes_match_the_official_annotation() {
        List<DetectionSample> coco = Datasets.readYoloDataset(data().resolve("coco-val2017-subset"));

        assertThat(coco).hasSize(64);
        DetectionSample first = coco.getFirst();
        assertThat(first.id()).isEqualTo("000000000139");
        assertThat(first.width()).isEqualTo(640);
        assertThat(first.height()).isEqualTo(426);
        // SOURCES.md: the person maps to COCO bbox [412.8, 157.61, 53.05, 138.01].
        List<Box> people = first.boxes().stream().filter(box -> box.classIndex() == 0).toList();
        assertThat(people).anySatisfy(person -> {
            assertThat(person.x1()).isCloseTo(412.8, within(0.05));
            assertThat(person.y1()).isCloseTo(157.61, within(0.05));
            assertThat(person.x2() - person.x1()).isCloseTo(53.05, within(0.05));
            assertThat(person.y2() - person.y1()).isCloseTo(138.01, within(0.05));
        });
        assertThat(Datasets.readNames(data().resolve("coco-val2017-subset/coco80.names"))).hasSize(80)
                .startsWith("person", "bicycle");
    }
}
