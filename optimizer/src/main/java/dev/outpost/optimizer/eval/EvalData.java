package dev.outpost.optimizer.eval;

import dev.outpost.optimizer.OptimizerException;
import dev.outpost.runtime.Image;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A labeled (or unlabeled) evaluation data set, read and decoded once, so that any number of models
 * can be evaluated on it by an {@link Evaluator}.
 *
 * <p>The layout is found from the folder's contents, in this order:
 * <ol>
 *   <li>{@link DataFormat#MNIST_IDX}: {@code *-images-idx3-ubyte[.gz]} with
 *       {@code *-labels-idx1-ubyte[.gz]}; each image becomes a gray RGB image.</li>
 *   <li>{@link DataFormat#VWW_LABELS}: {@code y_labels.csv} ({@code 000000343218.bin,2,1}: file, number
 *       of classes, label) with {@code images/}. These MLPerf Tiny files hold BGR pixels as RGB, so the red
 *       and blue channels of every image are exchanged after decoding (see shared/data/SOURCES.md).</li>
 *   <li>{@link DataFormat#LABELS_CSV}: {@code labels.csv} with a header naming {@code file} and
 *       {@code class_index} (class names from {@code classes.txt}, {@code synset.txt} or a {@code label}
 *       / {@code class_name} column).</li>
 *   <li>{@link DataFormat#YOLO}: {@code images/} with {@code labels/<image>.txt} ({@code class cx cy w h},
 *       normalized); class names from a {@code *.names} file.</li>
 *   <li>{@link DataFormat#FOLDER_PER_CLASS}: {@code <class>/<image>}, class order from
 *       {@code classes.txt}, else the sorted folder names (at least two folders).</li>
 *   <li>{@link DataFormat#IMAGES}: any images (searched recursively), without labels.</li>
 * </ol>
 * A file may be given instead of a folder: a {@code labels.csv}, a {@code y_labels.csv}, an idx images
 * file or one image.
 *
 * <p>With a limit below the number of samples, an evenly spaced subset is taken (sample
 * {@code floor(i * size / limit)} for {@code i < limit}), so that data sorted by class keeps every class.
 *
 * <p>Memory: every decoded image is held (3 bytes per pixel). Immutable and thread-safe once opened.
 */
public final class EvalData {

    /** A limit that takes every sample. */
    public static final int ALL = Integer.MAX_VALUE;

    /**
     * One decoded sample.
     *
     * @param id its name in messages (file name)
     * @param image the decoded image (channels already fixed for BGR-as-RGB data)
     * @param classIndex the class, or -1 without class labels
     * @param boxes the ground-truth boxes, for detection data
     */
    record Sample(String id, Image image, int classIndex, List<Box> boxes) {
        Sample {
            boxes = List.copyOf(boxes);
        }
    }

    private final Path path;
    private final DataFormat format;
    private final Task task;
    private final List<String> classNames;
    private final int classCount;
    private final int available;
    private final List<Sample> samples;

    private EvalData(Path path, DataFormat format, Task task, List<String> classNames, int classCount,
            int available, List<Sample> samples) {
        this.path = path;
        this.format = format;
        this.task = task;
        this.classNames = List.copyOf(classNames);
        this.classCount = classCount;
        this.available = available;
        this.samples = List.copyOf(samples);
    }

    /**
     * Opens a data set for a task.
     *
     * @param data a data folder or file (see the class documentation)
     * @param task what to measure; it must fit the data: CLASSIFY needs class labels, DETECT needs boxes
     * @param limit at most this many samples ({@link #ALL} for every one), &gt;= 1
     * @throws OptimizerException BAD_DATA when the data is missing, of no known layout, malformed, or does
     *     not carry the labels the task needs; INVALID_OPTION for a limit below 1
     */
    public static EvalData open(Path data, Task task, int limit) {
        return open(data, Optional.of(task), limit, EvalProgress.NONE);
    }

    /** Opens a data set with the task its labels imply (see {@link #open(Path, Optional, int, EvalProgress)}). */
    public static EvalData open(Path data, int limit) {
        return open(data, Optional.empty(), limit, EvalProgress.NONE);
    }

    /**
     * Opens a data set, reporting the decoding of its images.
     *
     * @param data a data folder or file
     * @param task what to measure; empty: CLASSIFY for class labels, DETECT for boxes, else TENSOR
     * @param limit at most this many samples ({@link #ALL} for every one), &gt;= 1
     * @param progress receives {@code decode} updates
     * @throws OptimizerException as {@link #open(Path, Task, int)}
     */
    public static EvalData open(Path data, Optional<Task> task, int limit, EvalProgress progress) {
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(progress, "progress");
        if (limit < 1) {
            throw new OptimizerException(OptimizerException.Code.INVALID_OPTION, "limit " + limit + " must be >= 1");
        }
        DataReader.Listing listing = DataReader.list(data);
        Task chosen = task.orElse(listing.format().hasClassLabels() ? Task.CLASSIFY
                : listing.format().hasBoxes() ? Task.DETECT : Task.TENSOR);
        if (chosen == Task.CLASSIFY && !listing.format().hasClassLabels()) {
            throw DataReader.bad("Task classify needs class labels, but " + data + " holds "
                    + listing.format().description() + "; " + DataReader.EXPECTED);
        }
        if (chosen == Task.DETECT && !listing.format().hasBoxes()) {
            throw DataReader.bad("Task detect needs ground-truth boxes, but " + data + " holds "
                    + listing.format().description() + "; expected images/<id>.jpg with labels/<id>.txt (YOLO:"
                    + " class cx cy w h per line, normalized) or with a COCO instances JSON");
        }
        List<DataReader.Pending> pending = subset(listing.samples(), limit);
        List<Sample> samples = new ArrayList<>(pending.size());
        for (DataReader.Pending next : pending) {
            Image image = next.image().read();
            if (listing.swapRedBlue()) {
                image = image.withRedBlueSwapped();
            }
            List<Box> boxes = chosen == Task.DETECT && next.boxes().isPresent()
                    ? next.boxes().get().boxes(image.width(), image.height()) : List.of();
            samples.add(new Sample(next.id(), image, next.classIndex(), boxes));
            progress.update("decode", samples.size(), pending.size());
        }
        if (chosen == Task.DETECT && samples.stream().allMatch(sample -> sample.boxes().isEmpty())) {
            throw DataReader.bad("Detection data " + data + " has no ground-truth boxes in the " + samples.size()
                    + " samples taken; mAP is undefined. Expected labels/<id>.txt files with 'class cx cy w h' lines");
        }
        return new EvalData(data, listing.format(), chosen, listing.classNames(), listing.classCount(),
                listing.samples().size(), samples);
    }

    /**
     * At most {@code limit} evenly spaced items ({@code floor(i * size / limit)}), so that a list sorted by
     * class keeps every class; the list itself when it is no longer. Calibration picks its images so too.
     */
    public static <T> List<T> subset(List<T> all, int limit) {
        if (limit >= all.size()) {
            return all;
        }
        List<T> chosen = new ArrayList<>(limit);
        for (int i = 0; i < limit; i++) {
            chosen.add(all.get((int) ((long) i * all.size() / limit)));
        }
        return chosen;
    }

    /** The folder or file it was read from. */
    public Path path() {
        return path;
    }

    /** The layout found. */
    public DataFormat format() {
        return format;
    }

    /** What evaluations on it measure. */
    public Task task() {
        return task;
    }

    /** Number of samples taken (after the limit). */
    public int size() {
        return samples.size();
    }

    /** Number of samples the data set holds (before the limit). */
    public int available() {
        return available;
    }

    /** Class names in class-index order, where the data gives them; empty otherwise. */
    public List<String> classNames() {
        return classNames;
    }

    /** Number of classes the data declares or uses; 0 without class labels. */
    public int classCount() {
        return classCount;
    }

    /** True when the data carries the labels its task measures against (class labels or boxes). */
    public boolean hasLabels() {
        return task == Task.CLASSIFY || task == Task.DETECT;
    }

    /** One line for reports: {@code imagenet-samples (labels.csv, 200 of 200 samples, 1000 classes)}. */
    public String describe() {
        return path.getFileName() + " (" + format.description() + ", " + size() + " of " + available + " samples"
                + (classCount > 0 ? ", " + classCount + " classes" : "") + ")";
    }

    List<Sample> samples() {
        return samples;
    }

    /** The decoded images in sample order (channels already corrected, e.g. vww-96's swapped red and blue). */
    public List<Image> images() {
        return samples.stream().map(Sample::image).toList();
    }

    @Override
    public String toString() {
        return "EvalData[" + describe() + ", task " + task.cliName() + "]";
    }
}
