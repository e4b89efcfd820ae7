package dev.outpost.optimizer.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.outpost.optimizer.OptimizerException;
import dev.outpost.runtime.Image;
import dev.outpost.testing.SharedFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO instances JSON as detection ground truth, against the same boxes as YOLO labels. */
class CocoAnnotationsTest {

    @TempDir
    Path dir;

    /**
     * The coco-val2017-subset's YOLO labels written as a COCO instances file: class k becomes category
     * id 2k + 1 (ids with gaps, as COCO's are), boxes in pixels; an extra crowd box per image must be ignored.
     */
    private Path cocoCopyOfTheSubset() throws Exception {
        Path yolo = SharedFixtures.data("coco-val2017-subset");
        Files.createSymbolicLink(dir.resolve("images"), yolo.resolve("images"));
        List<String> names = Files.readAllLines(yolo.resolve("coco80.names")).stream().filter(n -> !n.isBlank()).toList();
        StringBuilder images = new StringBuilder();
        StringBuilder annotations = new StringBuilder();
        long imageId = 100;
        long annotationId = 1;
        List<Path> files;
        try (var list = Files.list(yolo.resolve("images"))) {
            files = list.sorted().toList();
        }
        for (Path file : files) {
            Image image = Image.read(file);
            imageId++;
            images.append(images.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"id\": %d, \"file_name\": \"%s\", \"width\": %d, \"height\": %d}", imageId,
                    file.getFileName(), image.width(), image.height()));
            String stem = file.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            Path labels = yolo.resolve("labels").resolve(stem + ".txt");
            List<String> lines = Files.isRegularFile(labels) ? Files.readAllLines(labels) : List.of();
            List<String> boxes = new ArrayList<>();
            for (String line : lines) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.trim().split("\\s+");
                int k = Integer.parseInt(f[0]);
                double w = Double.parseDouble(f[3]) * image.width();
                double h = Double.parseDouble(f[4]) * image.height();
                double x = Double.parseDouble(f[1]) * image.width() - w / 2;
                double y = Double.parseDouble(f[2]) * image.height() - h / 2;
                boxes.add(String.format(Locale.ROOT, "{\"id\": %d, \"image_id\": %d, \"category_id\": %d, \"bbox\": [%s, %s,"
                        + " %s, %s], \"area\": 1.0, \"iscrowd\": 0, \"segmentation\": [[1, 2, 3, 4]]}", annotationId++,
                        imageId, 2 * k + 1, x, y, w, h));
            }
            boxes.add(String.format(Locale.ROOT, "{\"id\": %d, \"image_id\": %d, \"category_id\": 1, \"bbox\": [0, 0, 50,"
                    + " 50], \"iscrowd\": 1, \"segmentation\": {\"counts\": [1, 2], \"size\": [1, 1]}}", annotationId++,
                    imageId));
            annotations.append(annotations.isEmpty() ? "" : ",").append(String.join(",", boxes));
        }
        StringBuilder categories = new StringBuilder();
        for (int k = names.size() - 1; k >= 0; k--) {
            categories.append(categories.isEmpty() ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"id\": %d, \"name\": \"%s\", \"supercategory\": \"x\"}", 2 * k + 1, names.get(k)));
        }
        Files.createDirectories(dir.resolve("annotations"));
        Path json = dir.resolve("annotations").resolve("instances_subset.json");
        Files.writeString(json, "{\"info\": {\"year\": 2017}, \"images\": [" + images + "], \"annotations\": ["
                + annotations + "], \"categories\": [" + categories + "]}");
        return json;
    }

    @Test
    void coco_json_gives_the_same_ground_truth_and_map_as_the_yolo_labels() throws Exception {
        Path json = cocoCopyOfTheSubset();
        EvalData yolo = EvalData.open(SharedFixtures.data("coco-val2017-subset"), EvalData.ALL);
        EvalData coco = EvalData.open(dir, EvalData.ALL);

        assertThat(coco.format()).isEqualTo(DataFormat.COCO_JSON);
        assertThat(coco.task()).isEqualTo(Task.DETECT);
        assertThat(coco.classNames()).isEqualTo(yolo.classNames());
        assertThat(EvalData.open(json, EvalData.ALL).samples()).hasSameSizeAs(yolo.samples());
        for (int i = 0; i < yolo.samples().size(); i++) {
            List<Box> expected = yolo.samples().get(i).boxes();
            List<Box> actual = coco.samples().get(i).boxes();
            assertThat(actual).as("boxes of " + yolo.samples().get(i).id() + " (the crowd box left out)")
                    .hasSameSizeAs(expected);
            for (int b = 0; b < expected.size(); b++) {
                assertThat(actual.get(b).classIndex()).isEqualTo(expected.get(b).classIndex());
                assertThat(actual.get(b).x1()).isCloseTo(expected.get(b).x1(), within(1e-6));
                assertThat(actual.get(b).y2()).isCloseTo(expected.get(b).y2(), within(1e-6));
            }
        }
        Path model = SharedFixtures.model("yolox_nano.onnx");
        try (Evaluator onYolo = Evaluator.create(yolo); Evaluator onCoco = Evaluator.create(coco)) {
            EvalResult fromYolo = onYolo.evaluate(model);
            EvalResult fromCoco = onCoco.evaluate(model);
            assertThat(fromCoco.map50().orElseThrow()).isCloseTo(fromYolo.map50().orElseThrow(), within(1e-9))
                    .isGreaterThan(0.4);
            assertThat(fromCoco.metric(EvalResult.MAP50_95).orElseThrow())
                    .isCloseTo(fromYolo.metric(EvalResult.MAP50_95).orElseThrow(), within(1e-9));
        }
    }

    @Test
    void broken_coco_files_are_refused_naming_the_problem() throws Exception {
        Path image = SharedFixtures.data("coco-val2017-subset").resolve("images").resolve("000000000139.jpg");
        Files.createDirectories(dir.resolve("images"));
        Files.copy(image, dir.resolve("images").resolve("a.jpg"));
        String categories = "\"categories\": [{\"id\": 1, \"name\": \"person\"}]";

        Files.writeString(dir.resolve("annotations.json"), "{\"images\": [");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("annotations.json is not valid JSON");
        Files.writeString(dir.resolve("annotations.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\"}],"
                + " \"annotations\": [{\"image_id\": 7, \"category_id\": 1, \"bbox\": [1, 2, 3, 4]}], " + categories + "}");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("refers to image_id 7, which is not among the file's images");
        Files.writeString(dir.resolve("annotations.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"a.jpg\"}],"
                + " \"annotations\": [{\"image_id\": 1, \"category_id\": 1, \"bbox\": [1, 2, 3]}], " + categories + "}");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("has bbox [1, 2, 3]; expected [x, y, width, height]");
        Files.writeString(dir.resolve("annotations.json"), "{\"images\": [{\"id\": 1, \"file_name\": \"b.jpg\"}],"
                + " \"annotations\": [], " + categories + "}");
        assertThatThrownBy(() -> EvalData.open(dir, EvalData.ALL)).isInstanceOf(OptimizerException.class)
                .hasMessageContaining("lists image 'b.jpg', which is neither in");
    }
}
