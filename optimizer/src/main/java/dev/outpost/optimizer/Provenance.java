package dev.outpost.optimizer;

import dev.outpost.model.OnnxModel;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Where an optimized model came from, written into its {@code metadata_props} so that anyone holding
 * the file can tell what was done to it: {@code outpost.source.sha256} (of the first original),
 * {@code outpost.passes} (every pass in order, comma separated, appended to by each pass),
 * {@code outpost.<pass>.options}, and {@code outpost.version}. Stateless.
 */
public final class Provenance {

    /** SHA-256 of the original model file. */
    public static final String SOURCE_SHA256 = "outpost.source.sha256";
    /** The passes applied, in order. */
    public static final String PASSES = "outpost.passes";
    /** The Outpost version that wrote the model. */
    public static final String VERSION = "outpost.version";

    private Provenance() {
    }

    /**
     * Records one pass. The source digest is kept when the model already has one (a model optimized
     * twice still names its first original).
     *
     * @param pass the pass name, e.g. {@code int8-static}
     * @param options its options in one line
     */
    public static void record(OnnxModel model, String sourceSha256, String pass, String options, String version) {
        if (model.metadata(SOURCE_SHA256).isEmpty()) {
            model.putMetadata(SOURCE_SHA256, sourceSha256);
        }
        String passes = model.metadata(PASSES).map(p -> p + "," + pass).orElse(pass);
        model.putMetadata(PASSES, passes);
        model.putMetadata("outpost." + pass + ".options", options);
        model.putMetadata(VERSION, version);
    }

    /** The hex SHA-256 of a file. */
    public static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new OptimizerException(OptimizerException.Code.IO, "Cannot read " + file + ": " + e.getMessage(), e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
