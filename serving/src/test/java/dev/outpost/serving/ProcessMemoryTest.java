package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessMemoryTest {

    private static final List<String> STATUS = List.of("Name:\tjava", "VmRSS:\t  230412 kB", "RssAnon:\t  180000 kB",
            "RssFile:\t   50412 kB", "Threads:\t42", "VmSwap:\tlots kB");

    @Test
    void field_readsKilobytesAsBytes_andPlainCountsAsGiven() {
        assertThat(ProcessMemory.field(STATUS, "VmRSS")).isEqualTo(230_412L * 1024);
        assertThat(ProcessMemory.field(STATUS, "RssAnon")).isEqualTo(180_000L * 1024);
        assertThat(ProcessMemory.field(STATUS, "Threads")).isEqualTo(42);
    }

    @Test
    void field_isMinusOneWhenAbsentOrUnreadable_andMatchesWholeNamesOnly() {
        assertThat(ProcessMemory.field(STATUS, "RssShmem")).isEqualTo(-1);
        assertThat(ProcessMemory.field(STATUS, "VmSwap")).isEqualTo(-1);
        assertThat(ProcessMemory.field(STATUS, "Rss")).as("'Rss' is not 'RssAnon'").isEqualTo(-1);
        assertThat(ProcessMemory.field(List.of(), "VmRSS")).isEqualTo(-1);
    }

    /** A JVM's smaps, cut down: class space, the heap (committed and reserved parts, a CDS archive mapped at its top), ORT's arena, a library. */
    private static final List<String> SMAPS = List.of(
            "62150000-a2000000 ---p 00000000 00:00 0 ", "Size:            1047232 kB", "Rss:                   0 kB",
            "687400000-69f000000 rw-p 00000000 00:00 0 ", "Size:             389120 kB", "Rss:              40000 kB",
            "69f000000-7ffa00000 ---p 00000000 00:00 0 ", "Rss:                   0 kB",
            "7ffa00000-7ffb00000 rw-p 00dc9000 fe:00 328742    /usr/lib/jvm/lib/server/classes.jsa", "Rss: 700 kB",
            "7ffb00000-7ffc00000 rw-p 00000000 00:00 0 ", "Rss:                 500 kB",
            "7f0000000000-7f0010000000 rw-p 00000000 00:00 0 ", "Rss:              90000 kB",
            "7f0010000000-7f0010400000 r-xp 00000000 fe:00 4242   /usr/lib/libonnxruntime.so", "Rss:  3000 kB",
            "7f0020000000-7f0020100000 rw-p 00000000 00:00 0                          [stack]", "Rss:    100 kB",
            "VmFlags: rd wr mr mw me ac sd");

    @Test
    void nativeBytes_countsAnonymousResidentMemoryOutsideTheHeapsReservedRange() {
        long maxHeap = 0x7ffc00000L - 0x687400000L;
        assertThat(ProcessMemory.nativeBytes(SMAPS, maxHeap)).as("the arena and the stack, not the heap or the library")
                .isEqualTo((90_000L + 100) * 1024);
    }

    @Test
    void nativeBytes_isMinusOneWhenNoRunOfMappingsSpansTheMaximumHeap() {
        assertThat(ProcessMemory.nativeBytes(SMAPS, 1L << 30)).isEqualTo(-1);
        assertThat(ProcessMemory.nativeBytes(List.of(), 1L << 30)).isEqualTo(-1);
    }

    @Test
    void nativeBytes_ofThisJvm_isFoundAndBelowItsResidentSize() {
        if (ProcessMemory.residentBytes() < 0) {
            return; // not Linux: nothing to read
        }
        long nativeBytes = ProcessMemory.nativeBytes();
        assertThat(nativeBytes).as("this JVM's heap range is recognised").isPositive()
                .isLessThan(ProcessMemory.residentBytes());
    }
}
