package dev.outpost.runtime;

/**
 * The geometric transform that preprocessing applied to one image: a point {@code (x, y)} of the
 * original image lands at {@code (x * scaleX + offsetX, y * scaleY + offsetY)} in the model input
 * (continuous pixel coordinates, origin at the top-left corner of the top-left pixel). The inverse
 * maps detected boxes back to the original image.
 *
 * <p>Immutable and thread-safe.
 *
 * @param originalWidth width of the decoded image
 * @param originalHeight height of the decoded image
 * @param inputWidth width of the model input
 * @param inputHeight height of the model input
 * @param scaleX horizontal scale (resized width / original width)
 * @param scaleY vertical scale
 * @param offsetX horizontal shift in input pixels (letterbox padding &gt; 0, crop &lt; 0)
 * @param offsetY vertical shift in input pixels
 */
public record ImageTransform(int originalWidth, int originalHeight, int inputWidth, int inputHeight,
        double scaleX, double scaleY, double offsetX, double offsetY) {

    /** Validates the components as described above; throws IllegalArgumentException naming the bad value. */
    public ImageTransform {
        if (originalWidth <= 0 || originalHeight <= 0 || inputWidth <= 0 || inputHeight <= 0) {
            throw new IllegalArgumentException("ImageTransform sizes must be > 0: original " + originalWidth + "x"
                    + originalHeight + ", input " + inputWidth + "x" + inputHeight);
        }
        if (!(scaleX > 0) || !(scaleY > 0) || !Double.isFinite(scaleX) || !Double.isFinite(scaleY)) {
            throw new IllegalArgumentException("ImageTransform scales must be finite and > 0: " + scaleX + ", " + scaleY);
        }
    }

    /** The identity: the image is the model input. */
    public static ImageTransform identity(int width, int height) {
        return new ImageTransform(width, height, width, height, 1, 1, 0, 0);
    }

    /** An input x coordinate mapped back to the original image (not clipped). */
    public double toOriginalX(double inputX) {
        return (inputX - offsetX) / scaleX;
    }

    /** An input y coordinate mapped back to the original image (not clipped). */
    public double toOriginalY(double inputY) {
        return (inputY - offsetY) / scaleY;
    }
}
