package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.outpost.runtime.InferenceEngine;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class MeasurementsTest {

    private static final String STATUS = """
            Name:\tjava
            VmHWM:\t  204800 kB
            VmRSS:\t  102400 kB
            Cpus_allowed_list:\t0
            Threads:\t31
            """;

    @Test
    void procStatus_readsKilobyteFieldsAsBytes() {
        ProcStatus status = new ProcStatus(STATUS);

        assertThat(status.bytes("VmHWM")).isEqualTo(204_800L * 1024);
        assertThat(status.bytes("VmRSS")).isEqualTo(102_400L * 1024);
        assertThat(status.field("Cpus_allowed_list")).contains("0");
        assertThat(status.bytes("Threads")).isEqualTo(31);
        assertThat(status.bytes("VmSwap")).isEqualTo(-1);
        assertThat(new ProcStatus("VmRSS: lots kB").bytes("VmRSS")).isEqualTo(-1);
    }

    @Test
    void memorySnapshot_fromAStatusText_derivesNativeFromRssMinusJavaHeapAndPools() {
        MemorySnapshot snapshot = MemorySnapshot.capture(new ProcStatus(STATUS));

        assertThat(snapshot.peakRssBytes()).isEqualTo(204_800L * 1024);
        assertThat(snapshot.rssBytes()).isEqualTo(102_400L * 1024);
        assertThat(snapshot.nativeBytes()).isBetween(0L, snapshot.rssBytes() - snapshot.heapUsedBytes());
        assertThat(MemorySnapshot.capture(new ProcStatus("")).nativeBytes()).isEqualTo(-1);
        assertThat(snapshot.peakHeapUsedBytes()).isGreaterThanOrEqualTo(snapshot.heapUsedBytes());
    }

    @Test
    void memorySnapshot_seesDirectBuffers() {
        assumeTrue(Files.isReadable(ProcStatus.SELF), "no /proc/self/status on this system");
        long before = MemorySnapshot.capture().directBytes();
        ByteBuffer buffer = ByteBuffer.allocateDirect(8 << 20);
        MemorySnapshot after = MemorySnapshot.capture();

        assertThat(after.directBytes() - before).isGreaterThanOrEqualTo(8 << 20);
        assertThat(after.peakRssBytes()).isGreaterThanOrEqualTo(after.rssBytes()).isPositive();
        assertThat(buffer.capacity()).isEqualTo(8 << 20);
    }

    @Test
    void cpuUsage_utilizationIsCpuOverWallTimesCores() {
        assertThat(new CpuUsage(1_000, 1_000, 2).utilization()).isEqualTo(0.5);
        assertThat(new CpuUsage(-1, 1_000, 2).utilization()).isNaN();
    }

    @Test
    void cpuUsage_countsABusyLoop() {
        CpuUsage.Stopwatch stopwatch = CpuUsage.start();
        double sink = 0;
        for (int i = 0; i < 20_000_000; i++) {
            sink += Math.sqrt(i);
        }
        CpuUsage usage = stopwatch.stop();

        assertThat(sink).isPositive();
        assertThat(usage.cpuNanos()).isPositive();
        assertThat(usage.cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
    }

    private static void zone(Path root, String name, String domain, long energy, long range) throws Exception {
        Path zone = Files.createDirectories(root.resolve(name));
        Files.writeString(zone.resolve("energy_uj"), energy + "\n");
        Files.writeString(zone.resolve("max_energy_range_uj"), range + "\n");
        Files.writeString(zone.resolve("name"), domain + "\n");
    }

    @Test
    void rapl_sumsPackageZones_ignoresSubZones_andCorrectsWrapAround(@org.junit.jupiter.api.io.TempDir Path root)
            throws Exception {
        zone(root, "intel-rapl:0", "package-0", 1_000_000, 2_000_000);
        zone(root, "intel-rapl:0:0", "core", 500_000, 2_000_000);
        zone(root, "intel-rapl:1", "package-1", 1_900_000, 2_000_000);
        EnergyMeter meter = EnergyMeter.rapl(root).orElseThrow();

        EnergyMeter.Measurement measurement = meter.start();
        Files.writeString(root.resolve("intel-rapl:0/energy_uj"), "3500000");
        Files.writeString(root.resolve("intel-rapl:0:0/energy_uj"), "900000");
        Files.writeString(root.resolve("intel-rapl:1/energy_uj"), "400000"); // wrapped: +500,000

        assertThat(meter.source()).isEqualTo("RAPL intel-rapl:0 (package-0), intel-rapl:1 (package-1)");
        assertThat(measurement.stopJoules()).isCloseTo(2.5 + 0.5, within(1e-9));
    }

    @Test
    void rapl_absentOrUnreadable_isEmpty(@org.junit.jupiter.api.io.TempDir Path root) throws Exception {
        assertThat(EnergyMeter.rapl(root.resolve("missing"))).isEmpty();
        assertThat(EnergyMeter.rapl(root)).isEmpty();
        Files.createDirectories(root.resolve("intel-rapl:0"));
        Files.writeString(root.resolve("intel-rapl:0/energy_uj"), "not a number");
        assertThat(EnergyMeter.rapl(root)).isEmpty();
    }

    @Test
    void meterCommand_differenceOfTwoReadings(@org.junit.jupiter.api.io.TempDir Path folder) throws Exception {
        Path counter = folder.resolve("counter");
        Files.writeString(counter, "10.5 J\n");
        EnergyMeter meter = EnergyMeter.command(java.util.List.of("sh", "-c", "cat '" + counter + "'"));

        EnergyMeter.Measurement measurement = meter.start();
        Files.writeString(counter, "13\n");

        assertThat(measurement.stopJoules()).isCloseTo(2.5, within(1e-9));
        assertThat(meter.source()).startsWith("meter command: sh -c cat");
    }

    @Test
    void meterCommand_badOutputOrExit_namesTheCommandAndWhatWasExpected() {
        EnergyMeter words = EnergyMeter.command(java.util.List.of("sh", "-c", "echo about five"));
        EnergyMeter failing = EnergyMeter.command(java.util.List.of("sh", "-c", "echo no meter; exit 4"));

        assertThatThrownBy(words::start).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("printed 'about five'; expected a cumulative energy counter in joules");
        assertThatThrownBy(failing::start).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("exited with 4: no meter");
        assertThatThrownBy(() -> EnergyMeter.command(java.util.List.of()))
                .hasMessageContaining("Energy meter command is empty");
    }

    @Test
    void energyResult_unavailableHasNoFigures() {
        EnergyResult none = EnergyResult.unavailable("no RAPL counters under /sys/class/powercap");
        assertThat(none.available()).isFalse();
        assertThat(none.joulesPerSample()).isNaN();
        assertThat(EnergyResult.measured(3.0, 1000, "RAPL").joulesPerSample()).isEqualTo(0.003);
    }

    @Test
    void peakCompute_fractionDividesByThreadsTimesPerCorePeak() {
        PeakCompute peak = PeakCompute.given(50);
        // 1e9 float MACs per sample at 40 samples/s on 2 cores: 40 GMAC/s of 2 x 50.
        assertThat(peak.fractionOf(1_000_000_000L, 0, 40, 2)).isEqualTo(0.4);
        assertThat(peak.fractionOf(0, 0, 40, 2)).isNaN();
        assertThat(peak.int8GmacsPerCore()).isNaN();
        assertThat(peak.source()).startsWith("given (--peak-gmacs; INT8 unknown");
        assertThatThrownBy(() -> PeakCompute.given(-3)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("-3.0 GMAC/s per core; expected a positive finite rate");
        assertThatThrownBy(() -> PeakCompute.given(50, 0)).isInstanceOf(BenchmarkException.class)
                .hasMessageContaining("INT8 peak compute is 0.0 GMAC/s per core");
    }

    @Test
    void peakCompute_holdsIntegerMacsAgainstTheInt8PeakAndTheRestAgainstFp32() {
        PeakCompute peak = PeakCompute.given(100, 400);
        long macs = 1_000_000_000L;

        // All integer: 1e9 MACs take 2.5 ms at 400 GMAC/s; 200 samples/s is half of the 400 possible.
        assertThat(peak.fractionOf(macs, macs, 200, 1)).isCloseTo(0.5, within(1e-12));
        assertThat(peak.effectiveGmacsPerCore(macs, macs)).isCloseTo(400, within(1e-9));
        // Half and half: 5 ms + 1.25 ms = 6.25 ms per sample at peak, so 160 samples/s is the whole peak.
        assertThat(peak.effectiveGmacsPerCore(macs, macs / 2)).isCloseTo(160, within(1e-9));
        assertThat(peak.fractionOf(macs, macs / 2, 80, 1)).isCloseTo(0.5, within(1e-12));
        // Float only: the FP32 peak.
        assertThat(peak.effectiveGmacsPerCore(macs, 0)).isEqualTo(100);
        // INT8 unknown: integer MACs are held against the FP32 rate.
        assertThat(PeakCompute.given(100).effectiveGmacsPerCore(macs, macs)).isEqualTo(100);
    }

    @Test
    void peakCompute_measuresOnnxRuntimesFp32AndInt8Kernels() {
        try (InferenceEngine engine = InferenceEngine.create()) {
            PeakCompute peak = PeakCompute.measure(engine, 50);

            assertThat(peak.gmacsPerCore()).isPositive().isFinite();
            assertThat(peak.int8GmacsPerCore()).isPositive().isFinite();
            assertThat(peak.source()).contains("MatMulInteger").contains("an achievable rate, below the datasheet peak");
        }
    }

    @Test
    void environment_parsesX86AndArmCpuinfo() {
        String x86 = "processor\t: 0\nmodel name\t: Intel(R) Xeon(R) Processor\nflags\t\t: fpu sse avx2 fma avx512f amx_tile avx512_vnni\n";
        String arm = "processor\t: 0\nFeatures\t: fp asimd asimddp sve\nCPU part\t: 0xd0c\n";

        assertThat(Environment.cpuModel(x86)).isEqualTo("Intel(R) Xeon(R) Processor");
        assertThat(Environment.cpuFlags(x86)).containsExactly("fma", "avx2", "avx512f", "avx512_vnni", "amx_tile");
        assertThat(Environment.cpuModel(arm)).isEqualTo("ARM CPU part 0xd0c");
        assertThat(Environment.cpuFlags(arm)).containsExactly("asimd", "asimddp", "sve");
        assertThat(Environment.cpuModel("")).isEqualTo("unknown");
    }

    @Test
    void environment_capture_recordsSessionSettingsAndAffinity() {
        Environment environment = Environment.capture(new String(), "MemTotal: 1024 kB\n", new ProcStatus(STATUS),
                "powersave\n", "1.29.0", 1, false, java.util.List.of("CPU"), "outpost bench m.onnx");

        assertThat(environment.memoryBytes()).isEqualTo(1024 * 1024);
        assertThat(environment.pinning()).isEqualTo("0");
        assertThat(environment.governor()).isEqualTo("powersave");
        assertThat(environment.threads()).isEqualTo(1);
        assertThat(environment.commandLine()).isEqualTo("outpost bench m.onnx");
        assertThat(environment.jvm()).startsWith("Java " + Runtime.version());
        assertThat(Environment.capture("1.29.0", 0, true, java.util.List.of("CPU"), "x").cores())
                .isEqualTo(Runtime.getRuntime().availableProcessors());
    }
}
