package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SlaTest {

    @Test
    void parse_theIssuesExample() {
        Sla sla = Sla.parse("p90<20ms,rss<200MB,size<10MB,top1>=0.68");

        assertThat(sla.budgets()).extracting(Sla.Budget::metric)
                .containsExactly(SlaMetric.P90, SlaMetric.RSS, SlaMetric.SIZE, SlaMetric.TOP1);
        assertThat(sla.budgets()).extracting(Sla.Budget::operator)
                .containsExactly(Sla.Operator.LT, Sla.Operator.LT, Sla.Operator.LT, Sla.Operator.GE);
        assertThat(sla.budgets()).extracting(Sla.Budget::threshold).containsExactly(20e6, 200e6, 10e6, 0.68);
        assertThat(sla).hasToString("p90<20ms,rss<200MB,size<10MB,top1>=0.68");
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "p99 <= 1.5 s; 1.5e9",
        "p99.9<250us; 250000",
        "p999<250µs; 250000",
        "mean<800ns; 800",
        "rss<1GiB; 1073741824",
        "heap<64KiB; 65536",
        "native<2.5GB; 2.5e9",
        "size<512KB; 512000",
        "qps>=100; 100",
        "qps>=100qps; 100",
        "gmacs>2.5; 2.5",
        "top1>=68%; 0.68",
        "cpu<0.5; 0.5",
        "energy<5mJ; 0.005",
        "first<1e2ms; 1e8",
        "P90<20MS; 2e7"
    })
    void parse_unitsToBaseUnits(String budget, double threshold) {
        assertThat(Sla.parse(budget).budgets().get(0).threshold()).isCloseTo(threshold, within(threshold * 1e-12));
    }

    @ParameterizedTest
    @CsvSource(delimiter = ';', value = {
        "p91<20ms; SLA budget 1 of 1 ('p91<20ms'): unknown metric 'p91'; expected one of [p50, p90, p95, p99, p99.9, min, max",
        "p90<20; SLA budget 1 of 1 ('p90<20'): no unit for p90; expected ns, us, ms, s",
        "p90<20ms,rss<200Mb/s; SLA budget 2 of 2 ('rss<200Mb/s') does not read as METRIC OP VALUE[UNIT]",
        "rss<200mbit; SLA budget 1 of 1 ('rss<200mbit'): unit 'mbit' is not valid for rss; expected B, KB, MB, GB, KiB, MiB, GiB",
        "p90=20ms; does not read as METRIC OP VALUE[UNIT] with OP one of <, <=, >, >=",
        "p90 20ms; does not read as METRIC OP VALUE[UNIT]",
        "p90<<20ms; does not read as METRIC OP VALUE[UNIT]",
        "p90<ms; does not read as METRIC OP VALUE[UNIT]",
        "p90<20ms,,rss<1GB; SLA budget 2 of 3 ('') is empty; expected METRIC OP VALUE, e.g. p90<20ms",
        "top1>=68; top1 is a fraction; expected 0..1 or a percentage such as 68%",
        "qps>-5; negative value -5; expected a value >= 0",
        "energy<5W; unit 'W' is not valid for energy; expected J, mJ, uJ (per sample)"
    })
    void parse_badBudgets_sayWhichAndWhatIsValid(String text, String message) {
        assertThatThrownBy(() -> Sla.parse(text))
                .isInstanceOf(BenchmarkException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((BenchmarkException) e).code()).isEqualTo(BenchmarkException.Code.INVALID_BUDGET);
    }

    @Test
    void evaluate_listsOnlyTheBrokenBudgets() {
        BenchReport report = SampleReports.singleStream();

        var violations = Sla.parse("p90<=20ms,p99<25ms,rss<200MB,size<4MB,load<1s,gmacs>=10").evaluate(report);

        assertThat(violations).extracting(Sla.Violation::message)
                .containsExactly("p99<25ms: measured 30.00 ms", "size<4MB: measured 4.8 MiB");
        assertThat(violations.get(0).actual()).isEqualTo(30e6);
    }

    @Test
    void evaluate_allMet_isEmpty() {
        assertThat(Sla.parse("p90<21ms,qps>50,cold<1s,first<100ms,cpu<60%").evaluate(SampleReports.singleStream())).isEmpty();
    }

    @Test
    void evaluate_unmeasuredFigures_breakTheirBudgets() {
        var violations = Sla.parse("top1>=0.68,energy<1J").evaluate(SampleReports.singleStream());

        assertThat(violations).extracting(Sla.Violation::message).containsExactly(
                "top1>=0.68: top1 was not measured in this run (bench measures speed; accuracy comes from outpost eval)",
                "energy<1J: energy was not measured in this run (no readable RAPL counters and no --energy-meter command)");
        assertThat(violations.get(0).actual()).isNaN();
    }

    @Test
    void evaluate_serverQpsIsTheBestRate_andEnergyIsPerSample() {
        BenchReport report = SampleReports.serverSearch();

        assertThat(Sla.parse("qps>=80,energy<=5mJ").evaluate(report)).isEmpty();
        assertThat(Sla.parse("qps>=85").evaluate(report)).extracting(Sla.Violation::message)
                .containsExactly("qps>=85: measured 80.0 qps");
    }
}
