package dev.outpost.model;

/**
 * How {@link OnnxModel#write(java.nio.file.Path, WriteOptions)} stores initializers.
 *
 * <p>With {@code externalData} set, every main-graph initializer of at least {@code thresholdBytes}
 * bytes goes into one side file named {@code <model file name>.data} next to the model, each starting
 * at an offset that is a multiple of {@code alignment} (so the file can be memory-mapped per tensor).
 * Without it, data stays inline unless the model would exceed protobuf's 2 GiB limit, in which case
 * the write switches to external data with the same threshold and alignment.
 *
 * <p>Immutable and thread-safe.
 *
 * @param externalData true to move large initializers into {@code <model>.data}
 * @param thresholdBytes initializers of at least this many bytes move out; {@code >= 0}
 * @param alignment offset alignment in the side file; a power of two, 1..1 MiB
 */
public record WriteOptions(boolean externalData, long thresholdBytes, int alignment) {

    /** Default threshold: 1 KiB, as the ONNX Python tools use. */
    public static final long DEFAULT_THRESHOLD = 1024;
    /** Default alignment: 4 KiB, the common page size. */
    public static final int DEFAULT_ALIGNMENT = 4096;

    /** Data inline (external only if the model would exceed 2 GiB). */
    public static final WriteOptions INLINE = new WriteOptions(false, DEFAULT_THRESHOLD, DEFAULT_ALIGNMENT);

    /** Validates threshold and alignment. */
    public WriteOptions {
        if (thresholdBytes < 0) {
            throw new IllegalArgumentException("thresholdBytes is " + thresholdBytes + "; expected >= 0");
        }
        if (alignment < 1 || alignment > (1 << 20) || Integer.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("alignment is " + alignment + "; expected a power of two in 1..1048576");
        }
    }

    /** Initializers of at least {@code thresholdBytes} bytes into {@code <model>.data}, 4 KiB aligned. */
    public static WriteOptions externalData(long thresholdBytes) {
        return new WriteOptions(true, thresholdBytes, DEFAULT_ALIGNMENT);
    }
}
