package dev.outpost.serving;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ServingMetricsTest {

    @Test
    void modelCalls_areKeptPerBatchSize_forAtMostSixtyFourSizes() {
        ServingMetrics.ModelMetrics metrics = new ServingMetrics().model("m", "1");
        for (int rows = 1; rows <= ServingMetrics.MAX_BATCH_SIZES + 10; rows++) {
            metrics.call(rows, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(3));
        }
        metrics.call(1, Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(3));

        assertThat(metrics.batches).as("sizes past the cap are dropped, not kept").hasSize(ServingMetrics.MAX_BATCH_SIZES)
                .doesNotContainKey(ServingMetrics.MAX_BATCH_SIZES + 1);
        ModelStatistics.Batch first = ModelStatistics.of("m", "1", metrics).batches().getFirst();
        assertThat(first).isEqualTo(new ModelStatistics.Batch(1, new ModelStatistics.Stat(2, 2_000_000),
                new ModelStatistics.Stat(2, 4_000_000), new ModelStatistics.Stat(2, 6_000_000)));
    }
}
