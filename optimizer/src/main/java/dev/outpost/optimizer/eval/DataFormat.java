package dev.outpost.optimizer.eval;

/**
 * The layouts of evaluation data that {@link EvalData} recognizes, in the order it looks for them.
 */
public enum DataFormat {
    /** MNIST idx files: {@code *-images-idx3-ubyte[.gz]} with {@code *-labels-idx1-ubyte[.gz]}. */
    MNIST_IDX("MNIST idx"),
    /** MLPerf Tiny Visual Wake Words: {@code y_labels.csv} ({@code file,classes,label}) with the images. */
    VWW_LABELS("Visual Wake Words y_labels.csv"),
    /** A {@code labels.csv} whose header has {@code file} and {@code class_index} columns. */
    LABELS_CSV("labels.csv"),
    /** YOLO detection: {@code images/<id>.jpg} with {@code labels/<id>.txt} ({@code class cx cy w h}). */
    YOLO("YOLO txt labels"),
    /** COCO detection: {@code images/} with an instances JSON ({@code images}, {@code annotations}, {@code categories}). */
    COCO_JSON("COCO JSON annotations"),
    /** One folder of images per class, ordered by {@code classes.txt} or by name. */
    FOLDER_PER_CLASS("folder per class"),
    /** Image files without labels (for comparisons against a reference model). */
    IMAGES("unlabeled images");

    private final String description;

    DataFormat(String description) {
        this.description = description;
    }

    /** A short description for reports, e.g. {@code folder per class}. */
    public String description() {
        return description;
    }

    /** True when the format carries class labels. */
    public boolean hasClassLabels() {
        return this == MNIST_IDX || this == VWW_LABELS || this == LABELS_CSV || this == FOLDER_PER_CLASS;
    }

    /** True when the format carries ground-truth boxes. */
    public boolean hasBoxes() {
        return this == YOLO || this == COCO_JSON;
    }
}
