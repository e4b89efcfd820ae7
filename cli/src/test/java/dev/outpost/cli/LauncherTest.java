package dev.outpost.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's JDK search (scripts/jdk.sh, shared by ./outpost and scripts/test.sh), run by bash
 * against folders of fake JDKs: JAVA_HOME when it is 21 or newer, else the newest 21+ under the JVM
 * folder, else a message on how to get one. The search runs under {@code set -euo pipefail}, as in
 * the scripts that source it.
 */
class LauncherTest {

    private static final Path JDK_SCRIPT = Path.of("").toAbsolutePath().getParent().resolve("scripts/jdk.sh");

    @TempDir
    Path jvms;

    record Result(int exitCode, String out, String err) {
    }

    @Test
    void javaHome21OrNewer_isUsedAsItIs() throws Exception {
        fakeJdk("jdk-21", "21.0.4");
        fakeJdk("jdk-25", "25.0.1");
        Result result = findJdk(jvms.resolve("jdk-21"));
        assertThat(result.exitCode()).isZero();
        assertThat(result.out().strip()).isEqualTo(jvms.resolve("jdk-21").toString());
    }

    @Test
    void javaHomeOlderThan21_fallsBackToTheNewestJdkUnderTheJvmFolder() throws Exception {
        fakeJdk("java-17", "17.0.15");
        fakeJdk("jdk-21", "21.0.4");
        fakeJdk("temurin-25", "25.0.3");
        Result result = findJdk(jvms.resolve("java-17"));
        assertThat(result.exitCode()).isZero();
        assertThat(result.out().strip()).isEqualTo(jvms.resolve("temurin-25").toRealPath().toString());
        assertThat(result.err()).contains("JAVA_HOME=" + jvms.resolve("java-17") + " is JDK 17; looking for a JDK >= 21");
    }

    @Test
    void javaHomeThatIsNotAJdk_saysSo() throws Exception {
        fakeJdk("jdk-21", "21.0.4");
        Result result = findJdk(jvms.resolve("nothing-here"));
        assertThat(result.exitCode()).isZero();
        assertThat(result.err()).contains("is not a JDK; looking for a JDK >= 21");
    }

    @Test
    void aJreWithoutJavac_isNotTakenForAJdk() throws Exception {
        fakeJdk("jdk-21", "21.0.4");
        Path jre = fakeJdk("jre-25", "25.0.1");
        Files.delete(jre.resolve("bin/javac"));
        Result result = findJdk(null);
        assertThat(result.out().strip()).isEqualTo(jvms.resolve("jdk-21").toRealPath().toString());
    }

    @Test
    void noJdk21_stopsWithHowToGetOne() throws Exception {
        fakeJdk("java-17", "17.0.15");
        Result result = findJdk(null);
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("no JDK 21 or newer found").contains("apt-get install openjdk-21-jdk-headless")
                .contains("JAVA_HOME=/path/to/jdk");
    }

    @Test
    void aJdkWithoutReleaseFile_isRecognisedByItsJavaVersionOutput() throws Exception {
        fakeJdk("java-17", "17.0.15");
        Path home = fakeJdk("custom-21", "21.0.4");
        Files.delete(home.resolve("release"));
        Result result = findJdk(jvms.resolve("java-17"));
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out().strip()).isEqualTo(home.toRealPath().toString());
        assertThat(result.err()).doesNotContain("unbound variable");
    }

    /** A fake JDK: a release file and bin/java, bin/javac; java -version prints the version as a JDK does. */
    private Path fakeJdk(String name, String version) throws IOException {
        Path home = jvms.resolve(name);
        Files.createDirectories(home.resolve("bin"));
        Files.writeString(home.resolve("release"), "JAVA_VERSION=\"" + version + "\"\n");
        for (String tool : new String[] {"java", "javac"}) {
            Path file = home.resolve("bin").resolve(tool);
            Files.writeString(file, "#!/bin/sh\necho 'openjdk version \"" + version + "\" 2025-01-21' >&2\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        return home;
    }

    private Result findJdk(Path javaHome) throws Exception {
        // As ./outpost and scripts/test.sh call it.
        String script = "set -euo pipefail; . '" + JDK_SCRIPT + "'; outpost_find_jdk || exit 1; echo \"$OUTPOST_JAVA_HOME\"";
        ProcessBuilder builder = new ProcessBuilder("bash", "-c", script);
        builder.environment().remove("JAVA_HOME");
        if (javaHome != null) {
            builder.environment().put("JAVA_HOME", javaHome.toString());
        }
        builder.environment().put("OUTPOST_JVM_DIR", jvms.toString());
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Result(process.exitValue(), out, err);
    }
}
