package dev.outpost.optimizer.eval;

import dev.outpost.optimizer.OptimizerException;
import dev.outpost.runtime.Image;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Finds the layout of an evaluation data set from the files it holds and lists its samples (image
 * sources and labels) without decoding the images. Errors are {@link OptimizerException}s with code
 * BAD_DATA naming the file, the line and what was expected. Stateless and thread-safe.
 */
final class DataReader {

    /** What a data folder may hold, for error messages. */
    static final String EXPECTED = "expected one of: t10k-images-idx3-ubyte.gz with t10k-labels-idx1-ubyte.gz"
            + " (MNIST idx); labels.csv with columns file,class_index; y_labels.csv with images/ (Visual Wake"
            + " Words); images/ with labels/<image>.txt (YOLO boxes); images/ with a COCO instances JSON"
            + " (annotations.json, instances*.json, or annotations/instances*.json); one folder of images per class (order from"
            + " classes.txt, else by name); or image files without labels (compared against --reference)";

    private static final List<String> IMAGE_EXTENSIONS = List.of(".jpg", ".jpeg", ".png", ".bmp");

    private DataReader() {
    }

    /** Decodes one sample's image. */
    interface ImageSource {
        Image read();
    }

    /**
     * One sample before decoding.
     *
     * @param id a name for messages and reports (the file name, or {@code mnist[123]})
     * @param classIndex the class, or -1 when the format has no class labels
     * @param boxes the ground-truth boxes of a detection sample, given the decoded image's size (absent: none)
     * @param image how to get the image
     */
    record Pending(String id, int classIndex, Optional<BoxSource> boxes, ImageSource image) {
    }

    /** A detection sample's ground truth, in pixels of an image of the given size. */
    @FunctionalInterface
    interface BoxSource {
        List<Box> boxes(int width, int height);
    }

    /**
     * A data set's layout and samples.
     *
     * @param format the layout found
     * @param classNames class names in class-index order, where the data gives them
     * @param classCount number of classes the data declares or uses (0 without class labels)
     * @param swapRedBlue true when the files hold BGR as RGB (Visual Wake Words vww01)
     * @param samples every sample, in the data set's order
     */
    record Listing(DataFormat format, List<String> classNames, int classCount, boolean swapRedBlue,
            List<Pending> samples) {
    }

    /** Lists a data folder or file. */
    static Listing list(Path data) {
        if (!Files.exists(data)) {
            throw bad("Data " + data + " does not exist; " + EXPECTED);
        }
        if (Files.isRegularFile(data)) {
            return listFile(data);
        }
        List<Path> entries = entries(data);
        Optional<Path> idxImages = entries.stream().filter(DataReader::isIdxImages).findFirst();
        if (idxImages.isPresent()) {
            return mnist(idxImages.get());
        }
        Path yLabels = data.resolve("y_labels.csv");
        if (Files.isRegularFile(yLabels)) {
            return vww(yLabels);
        }
        Path labelsCsv = data.resolve("labels.csv");
        if (Files.isRegularFile(labelsCsv)) {
            return labelsCsv(labelsCsv);
        }
        if (Files.isDirectory(data.resolve("images")) && Files.isDirectory(data.resolve("labels"))) {
            return yolo(data);
        }
        Optional<Path> cocoJson = CocoAnnotations.find(data);
        if (cocoJson.isPresent()) {
            return CocoAnnotations.list(cocoJson.get());
        }
        Path classesTxt = data.resolve("classes.txt");
        List<Path> classFolders = entries.stream().filter(Files::isDirectory).filter(DataReader::holdsImages).toList();
        if (Files.isRegularFile(classesTxt) || classFolders.size() >= 2) {
            return folderPerClass(data, classFolders);
        }
        List<Path> images = imagesUnder(data);
        if (!images.isEmpty()) {
            return unlabeled(images);
        }
        throw bad("Data folder " + data + " has no layout Outpost recognizes; " + EXPECTED + ". Found: "
                + describe(entries));
    }

    private static Listing listFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (isIdxImages(file)) {
            return mnist(file);
        }
        if (name.endsWith(".csv")) {
            List<String> lines = lines(file);
            String first = lines.stream().filter(line -> !line.isBlank()).findFirst().orElse("");
            List<String> header = splitCsv(first);
            if (header.contains("file") && header.contains("class_index")) {
                return labelsCsv(file);
            }
            if (name.equals("y_labels.csv") || header.size() == 3 && isInteger(header.get(1)) && isInteger(header.get(2))) {
                return vww(file);
            }
            throw bad(file + " is a CSV file whose first line is '" + first + "'; expected a labels.csv header with"
                    + " file and class_index columns, or Visual Wake Words lines 'file,classes,label'");
        }
        if (name.endsWith(".json")) {
            return CocoAnnotations.list(file);
        }
        if (isImage(file)) {
            return unlabeled(List.of(file));
        }
        throw bad("Data file " + file + " is not a labels file or an image; " + EXPECTED);
    }

    // ---- MNIST idx ----

    private static boolean isIdxImages(Path file) {
        String name = file.getFileName().toString();
        return Files.isRegularFile(file) && (name.endsWith("idx3-ubyte") || name.endsWith("idx3-ubyte.gz"));
    }

    /** The labels file beside an idx images file: {@code X-images-idx3-ubyte} becomes {@code X-labels-idx1-ubyte}. */
    static Listing mnist(Path imagesFile) {
        String name = imagesFile.getFileName().toString();
        Path labelsFile = imagesFile.resolveSibling(name.replace("images-idx3", "labels-idx1").replace("idx3", "idx1"));
        if (!Files.isRegularFile(labelsFile)) {
            throw bad("MNIST images " + imagesFile + " have no labels file beside them; expected " + labelsFile);
        }
        byte[] pixels;
        byte[] labels;
        int count;
        int rows;
        int columns;
        try (DataInputStream images = idxStream(imagesFile); DataInputStream labelStream = idxStream(labelsFile)) {
            int magic = images.readInt();
            if (magic != 2051) {
                throw bad(imagesFile + ": idx magic number " + magic + "; expected 2051 (unsigned-byte images)");
            }
            count = images.readInt();
            rows = images.readInt();
            columns = images.readInt();
            int labelMagic = labelStream.readInt();
            if (labelMagic != 2049) {
                throw bad(labelsFile + ": idx magic number " + labelMagic + "; expected 2049 (unsigned-byte labels)");
            }
            int labelCount = labelStream.readInt();
            if (count <= 0 || rows <= 0 || columns <= 0 || labelCount != count) {
                throw bad(imagesFile + " holds " + count + " images of " + rows + "x" + columns + " but " + labelsFile
                        + " holds " + labelCount + " labels; expected the same positive count");
            }
            pixels = new byte[Math.multiplyExact(Math.multiplyExact(count, rows), columns)];
            images.readFully(pixels);
            labels = new byte[count];
            labelStream.readFully(labels);
        } catch (EOFException e) {
            throw bad("MNIST file " + imagesFile + " or " + labelsFile + " ends early (truncated)", e);
        } catch (IOException e) {
            throw bad("Cannot read MNIST " + imagesFile + " / " + labelsFile + ": " + e.getMessage(), e);
        } catch (ArithmeticException e) {
            throw bad(imagesFile + ": image count and size overflow", e);
        }
        List<Pending> samples = new ArrayList<>(count);
        int maxLabel = 0;
        int size = rows * columns;
        for (int i = 0; i < count; i++) {
            int index = i;
            maxLabel = Math.max(maxLabel, labels[i] & 0xff);
            samples.add(new Pending("mnist[" + i + "]", labels[i] & 0xff, Optional.empty(),
                    () -> grayImage(pixels, index * size, columns, rows)));
        }
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= Math.max(9, maxLabel); i++) {
            names.add(Integer.toString(i));
        }
        return new Listing(DataFormat.MNIST_IDX, names, names.size(), false, samples);
    }

    private static DataInputStream idxStream(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return new DataInputStream(file.getFileName().toString().endsWith(".gz") ? new GZIPInputStream(in, 1 << 16) : in);
        } catch (IOException e) {
            in.close();
            throw new IOException(file + " is not gzip (" + e.getMessage() + ")", e);
        }
    }

    /** A gray image as RGB with r = g = b (GRAY pipelines turn it back into the exact values). */
    private static Image grayImage(byte[] pixels, int offset, int width, int height) {
        byte[] rgb = new byte[width * height * 3];
        for (int p = 0; p < width * height; p++) {
            byte value = pixels[offset + p];
            rgb[3 * p] = value;
            rgb[3 * p + 1] = value;
            rgb[3 * p + 2] = value;
        }
        return Image.ofRgb(width, height, rgb);
    }

    // ---- CSV label files ----

    /** {@code y_labels.csv}: {@code 000000343218.bin,2,1}; {@code .bin} stands for {@code .jpg} in images/. */
    static Listing vww(Path yLabels) {
        Path folder = yLabels.toAbsolutePath().getParent();
        Path imagesDir = Files.isDirectory(folder.resolve("images")) ? folder.resolve("images") : folder;
        List<String> lines = lines(yLabels);
        List<Pending> samples = new ArrayList<>();
        int classCount = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split(",");
            if (fields.length != 3) {
                throw bad(yLabels + " line " + (i + 1) + " is '" + line + "'; expected file,classes,label"
                        + " (e.g. 000000343218.bin,2,1)");
            }
            String name = fields[0].strip();
            String imageName = name.endsWith(".bin") ? name.substring(0, name.length() - 4) + ".jpg" : name;
            int classes = parseInt(fields[1], yLabels, i + 1);
            int label = parseInt(fields[2], yLabels, i + 1);
            if (label < 0 || label >= classes) {
                throw bad(yLabels + " line " + (i + 1) + ": label " + label + " is outside 0.." + (classes - 1));
            }
            classCount = Math.max(classCount, classes);
            samples.add(imageSample(imagesDir.resolve(imageName), label, yLabels, i + 1));
        }
        requireSamples(samples, yLabels);
        return new Listing(DataFormat.VWW_LABELS, List.of(), classCount, true, samples);
    }

    /** {@code labels.csv} with a header naming {@code file} and {@code class_index}; files resolve against its folder. */
    static Listing labelsCsv(Path csv) {
        List<String> lines = lines(csv);
        if (lines.isEmpty() || lines.getFirst().isBlank()) {
            throw bad(csv + " is empty; expected a header line with file and class_index columns");
        }
        List<String> header = splitCsv(lines.getFirst()).stream().map(String::strip).toList();
        int fileColumn = header.indexOf("file");
        int classColumn = header.indexOf("class_index");
        if (fileColumn < 0 || classColumn < 0) {
            throw bad(csv + ": header " + header + " lacks a file or a class_index column");
        }
        int nameColumn = firstIndex(header, "label", "class_name", "name");
        Path folder = csv.toAbsolutePath().getParent();
        List<Pending> samples = new ArrayList<>();
        List<String> namesFromColumn = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            List<String> fields = splitCsv(lines.get(i));
            if (fields.size() != header.size()) {
                throw bad(csv + " line " + (i + 1) + " has " + fields.size() + " fields; the header has " + header.size());
            }
            int label = parseInt(fields.get(classColumn), csv, i + 1);
            if (label < 0) {
                throw bad(csv + " line " + (i + 1) + ": class_index " + label + " must be >= 0");
            }
            if (nameColumn >= 0) {
                while (namesFromColumn.size() <= label) {
                    namesFromColumn.add("");
                }
                namesFromColumn.set(label, fields.get(nameColumn).strip());
            }
            samples.add(imageSample(folder.resolve(fields.get(fileColumn).strip()), label, csv, i + 1));
        }
        requireSamples(samples, csv);
        List<String> names = classNames(folder).orElse(namesFromColumn);
        int maxLabel = samples.stream().mapToInt(Pending::classIndex).max().orElse(0);
        return new Listing(DataFormat.LABELS_CSV, names, Math.max(names.size(), maxLabel + 1), false, samples);
    }

    /** Class names from {@code classes.txt} (one per line) or an ImageNet {@code synset.txt} in the folder. */
    private static Optional<List<String>> classNames(Path folder) {
        Path classes = folder.resolve("classes.txt");
        if (Files.isRegularFile(classes)) {
            return Optional.of(names(classes));
        }
        Path synset = folder.resolve("synset.txt");
        if (Files.isRegularFile(synset)) {
            return Optional.of(names(synset).stream().map(DataReader::synsetName).toList());
        }
        return Optional.empty();
    }

    /** {@code n01440764 tench, Tinca tinca} becomes {@code tench}. */
    private static String synsetName(String line) {
        int space = line.indexOf(' ');
        String names = space < 0 ? line : line.substring(space + 1);
        int comma = names.indexOf(',');
        return (comma < 0 ? names : names.substring(0, comma)).strip();
    }

    // ---- YOLO, folder per class, unlabeled ----

    /** {@code images/<id>.<ext>} with {@code labels/<id>.txt}; an image without a label file has no boxes. */
    static Listing yolo(Path root) {
        List<Path> images = imagesUnder(root.resolve("images"));
        if (images.isEmpty()) {
            throw bad("YOLO data " + root + " has no images in images/; expected images/<id>.jpg with labels/<id>.txt");
        }
        List<Pending> samples = new ArrayList<>(images.size());
        for (Path image : images) {
            Path labels = root.resolve("labels").resolve(stem(image) + ".txt");
            samples.add(new Pending(image.getFileName().toString(), -1, Files.isRegularFile(labels)
                    ? Optional.of((width, height) -> yoloBoxes(labels, width, height)) : Optional.empty(),
                    () -> decode(image)));
        }
        List<String> names = entries(root).stream()
                .filter(path -> path.getFileName().toString().endsWith(".names")).findFirst()
                .map(DataReader::names)
                .or(() -> classNames(root))
                .orElse(List.of());
        return new Listing(DataFormat.YOLO, names, names.size(), false, samples);
    }

    /**
     * Reads one YOLO label file ({@code class cx cy w h} per line, normalized to 0..1) as boxes in the
     * pixels of a {@code width x height} image.
     */
    static List<Box> yoloBoxes(Path labelFile, int width, int height) {
        List<String> lines = lines(labelFile);
        List<Box> boxes = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] fields = line.split("\\s+");
            if (fields.length != 5) {
                throw bad(labelFile + " line " + (i + 1) + " is '" + line + "'; expected 'class cx cy w h'"
                        + " (normalized to 0..1)");
            }
            int classIndex = parseInt(fields[0], labelFile, i + 1);
            double cx = parseDouble(fields[1], labelFile, i + 1) * width;
            double cy = parseDouble(fields[2], labelFile, i + 1) * height;
            double w = parseDouble(fields[3], labelFile, i + 1) * width;
            double h = parseDouble(fields[4], labelFile, i + 1) * height;
            if (classIndex < 0 || w < 0 || h < 0) {
                throw bad(labelFile + " line " + (i + 1) + " is '" + line + "'; expected a class >= 0 and a size >= 0");
            }
            boxes.add(new Box(classIndex, cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2));
        }
        return boxes;
    }

    static Listing folderPerClass(Path root, List<Path> foundFolders) {
        Path classesTxt = root.resolve("classes.txt");
        List<String> classes = Files.isRegularFile(classesTxt) ? names(classesTxt)
                : foundFolders.stream().map(folder -> folder.getFileName().toString()).sorted().toList();
        List<Pending> samples = new ArrayList<>();
        for (int index = 0; index < classes.size(); index++) {
            Path folder = root.resolve(classes.get(index));
            if (!Files.isDirectory(folder)) {
                throw bad(classesTxt + " names class '" + classes.get(index) + "' (index " + index
                        + ") but there is no folder " + folder);
            }
            for (Path image : imagesUnder(folder)) {
                samples.add(new Pending(root.relativize(image).toString(), index, Optional.empty(), () -> decode(image)));
            }
        }
        requireSamples(samples, root);
        return new Listing(DataFormat.FOLDER_PER_CLASS, classes, classes.size(), false, samples);
    }

    static Listing unlabeled(List<Path> images) {
        List<Pending> samples = images.stream()
                .map(image -> new Pending(image.getFileName().toString(), -1, Optional.<BoxSource>empty(),
                        (ImageSource) () -> decode(image)))
                .toList();
        return new Listing(DataFormat.IMAGES, List.of(), 0, false, samples);
    }

    private static Pending imageSample(Path image, int label, Path listedIn, int line) {
        if (!Files.isRegularFile(image)) {
            throw bad(listedIn + " line " + line + " names " + image + ", which does not exist");
        }
        return new Pending(image.getFileName().toString(), label, Optional.empty(), () -> decode(image));
    }

    static Image decode(Path image) {
        try {
            return Image.read(image);
        } catch (RuntimeException e) {
            throw bad("Cannot decode image " + image + ": " + e.getMessage(), e);
        }
    }

    private static void requireSamples(List<Pending> samples, Path source) {
        if (samples.isEmpty()) {
            throw bad(source + " lists no samples");
        }
    }

    // ---- small helpers ----

    private static boolean holdsImages(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.anyMatch(file -> Files.isRegularFile(file) && isImage(file));
        } catch (IOException e) {
            return false;
        }
    }

    /** Image files under a folder, recursively, sorted by path. */
    static List<Path> imagesUnder(Path folder) {
        try (Stream<Path> files = Files.walk(folder)) {
            return files.filter(Files::isRegularFile).filter(DataReader::isImage).sorted().toList();
        } catch (IOException e) {
            throw bad("Cannot list " + folder + ": " + e.getMessage(), e);
        }
    }

    static boolean isImage(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static List<Path> entries(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.sorted().toList();
        } catch (IOException e) {
            throw bad("Cannot list data folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static String describe(List<Path> entries) {
        if (entries.isEmpty()) {
            return "nothing (the folder is empty)";
        }
        List<String> names = entries.stream().limit(8)
                .map(path -> path.getFileName() + (Files.isDirectory(path) ? "/" : "")).toList();
        return String.join(", ", names) + (entries.size() > 8 ? " and " + (entries.size() - 8) + " more" : "");
    }

    private static List<String> names(Path file) {
        List<String> names = new ArrayList<>(lines(file).stream().map(String::strip).toList());
        while (!names.isEmpty() && names.getLast().isEmpty()) {
            names.removeLast();
        }
        return List.copyOf(names);
    }

    private static List<String> lines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (MalformedInputException e) {
            throw bad(file + " is not UTF-8 text; expected a text labels file", e);
        } catch (IOException e) {
            throw bad("Cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static String stem(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? name : name.substring(0, dot);
    }

    private static int firstIndex(List<String> header, String... names) {
        for (String name : names) {
            if (header.contains(name)) {
                return header.indexOf(name);
            }
        }
        return -1;
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

    private static boolean isInteger(String text) {
        return text.strip().matches("-?\\d+");
    }

    private static int parseInt(String text, Path file, int line) {
        try {
            return Integer.parseInt(text.strip());
        } catch (NumberFormatException e) {
            throw bad(file + " line " + line + ": '" + text + "' is not an integer", e);
        }
    }

    private static double parseDouble(String text, Path file, int line) {
        try {
            double value = Double.parseDouble(text.strip());
            if (!Double.isFinite(value)) {
                throw new NumberFormatException("not finite");
            }
            return value;
        } catch (NumberFormatException e) {
            throw bad(file + " line " + line + ": '" + text + "' is not a number", e);
        }
    }

    static OptimizerException bad(String message) {
        return new OptimizerException(OptimizerException.Code.BAD_DATA, message);
    }

    static OptimizerException bad(String message, Throwable cause) {
        return new OptimizerException(OptimizerException.Code.BAD_DATA, message, cause);
    }
}
