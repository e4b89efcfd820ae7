package dev.outpost.testing;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Readers for the labeled data sets in {@code shared/data} (see its SOURCES.md): MNIST idx (gzip),
 * {@code labels.csv} (imagenet-samples, cifar10-test-subset), folder-per-class, Visual Wake Words
 * {@code y_labels.csv}, and YOLO txt labels (coco-val2017-subset) as boxes in pixels. Malformed files
 * fail with an {@link IllegalArgumentException} naming the file, the line and what was expected.
 * Stateless and thread-safe.
 */
public final class Datasets {

    private Datasets() {
    }

    /**
     * An image file with its class.
     *
     * @param file the image file
     * @param classIndex the 0-based class index
     */
    public record LabeledImage(Path file, int classIndex) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public LabeledImage {
            Objects.requireNonNull(file, "file");
            if (classIndex < 0) {
                throw new IllegalArgumentException("class index " + classIndex + " of " + file + " must be >= 0");
            }
        }
    }

    /**
     * A ground-truth box in image pixels ({@code x1, y1} top-left, {@code x2, y2} bottom-right).
     *
     * @param classIndex the 0-based class index
     * @param x1 left
     * @param y1 top
     * @param x2 right
     * @param y2 bottom
     */
    public record Box(int classIndex, double x1, double y1, double x2, double y2) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public Box {
            if (classIndex < 0 || !(x2 >= x1) || !(y2 >= y1)) {
                throw new IllegalArgumentException("invalid box: class " + classIndex + ", (" + x1 + ", " + y1
                        + ") - (" + x2 + ", " + y2 + ")");
            }
        }
    }

    /**
     * One image of a detection data set with its boxes.
     *
     * @param file the image file
     * @param width image width in pixels
     * @param height image height in pixels
     * @param boxes the ground-truth boxes in pixels
     */
    public record DetectionSample(Path file, int width, int height, List<Box> boxes) {
        /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
        public DetectionSample {
            Objects.requireNonNull(file, "file");
            boxes = List.copyOf(boxes);
        }

        /** The file name without its extension, as an image id ({@code 000000000139}). */
        public String id() {
            return stem(file);
        }
    }

    /**
     * MNIST images and labels read from idx files. Immutable.
     */
    public static final class Mnist {
        private final int rows;
        private final int columns;
        private final byte[] pixels;
        private final byte[] labels;

        Mnist(int rows, int columns, byte[] pixels, byte[] labels) {
            this.rows = rows;
            this.columns = columns;
            this.pixels = pixels;
            this.labels = labels;
        }

        /** Number of images. */
        public int size() {
            return labels.length;
        }

        /** Image height (28 for MNIST). */
        public int rows() {
            return rows;
        }

        /** Image width (28 for MNIST). */
        public int columns() {
            return columns;
        }

        /** A copy of image {@code index}: {@code rows * columns} bytes, row-major, 0 = black background. */
        public byte[] image(int index) {
            Objects.checkIndex(index, size());
            int length = rows * columns;
            byte[] out = new byte[length];
            System.arraycopy(pixels, index * length, out, 0, length);
            return out;
        }

        /** The digit of image {@code index}. */
        public int label(int index) {
            Objects.checkIndex(index, size());
            return labels[index];
        }
    }

    /** Reads MNIST from gzip idx files ({@code t10k-images-idx3-ubyte.gz}, {@code t10k-labels-idx1-ubyte.gz}). */
    public static Mnist readMnist(Path imagesGz, Path labelsGz) {
        try (DataInputStream images = new DataInputStream(new GZIPInputStream(Files.newInputStream(imagesGz)));
                DataInputStream labels = new DataInputStream(new GZIPInputStream(Files.newInputStream(labelsGz)))) {
            int imageMagic = images.readInt();
            if (imageMagic != 2051) {
                throw new IllegalArgumentException(imagesGz + ": idx magic " + imageMagic + "; expected 2051 (images)");
            }
            int count = images.readInt();
            int rows = images.readInt();
            int columns = images.readInt();
            int labelMagic = labels.readInt();
            if (labelMagic != 2049) {
                throw new IllegalArgumentException(labelsGz + ": idx magic " + labelMagic + "; expected 2049 (labels)");
            }
            int labelCount = labels.readInt();
            if (labelCount != count || count < 0 || rows <= 0 || columns <= 0) {
                throw new IllegalArgumentException(imagesGz + " holds " + count + " images of " + rows + "x" + columns
                        + " but " + labelsGz + " holds " + labelCount + " labels");
            }
            byte[] pixels = new byte[Math.multiplyExact(Math.multiplyExact(count, rows), columns)];
            images.readFully(pixels);
            byte[] digits = new byte[count];
            labels.readFully(digits);
            return new Mnist(rows, columns, pixels, digits);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read MNIST from " + imagesGz + " and " + labelsGz, e);
        }
    }

    /**
     * Reads a {@code labels.csv} with a header that has {@code file} and {@code class_index} columns
     * (imagenet-samples: {@code file,class_index,wnid,label}; cifar10-test-subset:
     * {@code file,class_index,class_name}). Files resolve against the CSV's folder.
     */
    public static List<LabeledImage> readLabelsCsv(Path csv) {
        List<String> lines = lines(csv);
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(csv + " is empty; expected a header with file,class_index");
        }
        List<String> header = splitCsv(lines.getFirst());
        int fileColumn = header.indexOf("file");
        int classColumn = header.indexOf("class_index");
        if (fileColumn < 0 || classColumn < 0) {
            throw new IllegalArgumentException(csv + ": header " + header + " lacks file or class_index");
        }
        List<LabeledImage> samples = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> fields = splitCsv(lines.get(i));
            if (fields.size() != header.size()) {
                throw new IllegalArgumentException(csv + " line " + (i + 1) + " has " + fields.size()
                        + " fields; the header has " + header.size());
            }
            samples.add(new LabeledImage(csv.resolveSibling(fields.get(fileColumn)),
                    parseInt(fields.get(classColumn), csv, i + 1)));
        }
        return samples;
    }

    /**
     * Reads a folder-per-class data set: {@code root/<class name>/<image>}. The class order is
     * {@code root/classes.txt} when present, else the sorted folder names. Images are sorted by path.
     */
    public static List<LabeledImage> readFolderPerClass(Path root) {
        List<String> classes;
        Path classesFile = root.resolve("classes.txt");
        if (Files.isRegularFile(classesFile)) {
            classes = readNames(classesFile);
        } else {
            try (Stream<Path> folders = Files.list(root)) {
                classes = folders.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + root, e);
            }
        }
        List<LabeledImage> samples = new ArrayList<>();
        for (int index = 0; index < classes.size(); index++) {
            Path folder = root.resolve(classes.get(index));
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException(root + ": class '" + classes.get(index) + "' has no folder " + folder);
            }
            try (Stream<Path> files = Files.list(folder)) {
                int classIndex = index;
                files.filter(Files::isRegularFile).sorted()
                        .forEach(file -> samples.add(new LabeledImage(file, classIndex)));
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot list " + folder, e);
            }
        }
        return samples;
    }

    /**
     * Reads Visual Wake Words {@code y_labels.csv} lines ({@code 000000343218.bin,2,1}: file, number of
     * classes, label with 1 = person); the {@code .bin} name stands for {@code .jpg} in {@code imagesDir}.
     */
    public static List<LabeledImage> readVwwLabels(Path yLabelsCsv, Path imagesDir) {
        List<String> lines = lines(yLabelsCsv);
        List<LabeledImage> samples = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] fields = lines.get(i).split(",");
            if (fields.length != 3) {
                throw new IllegalArgumentException(yLabelsCsv + " line " + (i + 1) + " is '" + lines.get(i)
                        + "'; expected file,classes,label");
            }
            String name = fields[0].trim();
            String image = name.endsWith(".bin") ? name.substring(0, name.length() - 4) + ".jpg" : name;
            samples.add(new LabeledImage(imagesDir.resolve(image), parseInt(fields[2], yLabelsCsv, i + 1)));
        }
        return samples;
    }

    /**
     * Reads one YOLO label file ({@code class cx cy w h} per line, normalized to 0..1) as boxes in the
     * pixels of a {@code width x height} image.
     */
    public static List<Box> readYoloBoxes(Path labelFile, int width, int height) {
        List<String> lines = lines(labelFile);
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length != 5) {
                throw new IllegalArgumentException(labelFile + " line " + (i + 1) + " is '" + line
                        + "'; expected 'class cx cy w h'");
            }
            int classIndex = parseInt(fields[0], labelFile, i + 1);
            double cx = parseDouble(fields[1], labelFile, i + 1) * width;
            double cy = parseDouble(fields[2], labelFile, i + 1) * height;
            double w = parseDouble(fields[3], labelFile, i + 1) * width;
            double h = parseDouble(fields[4], labelFile, i + 1) * height;
            boxes.add(new Box(classIndex, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return boxes;
    }

    /**
     * Reads a YOLO-format detection set: {@code root/images/<id>.jpg} with {@code root/labels/<id>.txt}
     * (an image without a label file has no boxes), sorted by file name. Image sizes are read from
     * the image headers.
     */
    public static List<DetectionSample> readYoloDataset(Path root) {
        List<Path> images;
        try (Stream<Path> files = Files.list(root.resolve("images"))) {
            images = files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list " + root.resolve("images"), e);
        }
        List<DetectionSample> samples = new ArrayList<>(images.size());
        for (Path image : images) {
            int[] size = imageSize(image);
            Path labels = root.resolve("labels").resolve(stem(image) + ".txt");
            List<Box> boxes = Files.isRegularFile(labels) ? readYoloBoxes(labels, size[0], size[1]) : List.of();
            samples.add(new DetectionSample(image, size[0], size[1], boxes));
        }
        return samples;
    }

    /** Reads class names, one per line (coco80.names, classes.txt); trailing blank lines are ignored. */
    public static List<String> readNames(Path file) {
        List<String> names = new ArrayList<>(lines(file).stream().map(String::strip).toList());
        while (!names.isEmpty() && names.getLast().isEmpty()) {
            names.removeLast();
        }
        return List.copyOf(names);
    }

    /** Width and height of an image, read from its header without decoding the pixels. */
    public static int[] imageSize(Path image) {
        try (InputStream in = Files.newInputStream(image); ImageInputStream stream = ImageIO.createImageInputStream(in)) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(stream);
            if (!readers.hasNext()) {
                throw new IllegalArgumentException(image + " is not an image ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(stream, true, true);
                return new int[] {reader.getWidth(0), reader.getHeight(0)};
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the size of " + image, e);
        }
    }

    /** The file name without its extension ({@code 000000000139} of {@code 000000000139.jpg}). */
    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + file, e);
        }
    }

    /** Splits one CSV line, honouring double quotes ("a, b" and "" escapes). */
    static List<String> splitCsv(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }

    private static int parseInt(String text, Path file, int line) {
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " line " + line + ": '" + text + "' is not an integer", e);
        }
    }

    private static double parseDouble(String text, Path file, int line) {
        try {
            return Double.parseDouble(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(file + " line " + line + ": '" + text + "' is not a number", e);
        }
    }
}
