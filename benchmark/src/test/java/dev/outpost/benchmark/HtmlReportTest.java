package dev.outpost.benchmark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class HtmlReportTest {

    private static Document parse(String page) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(page.getBytes(StandardCharsets.UTF_8)));
    }

    private static NodeList svgs(Document document, String name) {
        return document.getElementsByTagNameNS("http://www.w3.org/2000/svg", name);
    }

    @Test
    void oneReport_isWellFormedXhtml_withEnvironmentResultsAndPercentileCurve() throws Exception {
        BenchReport report = SampleReports.singleStream();

        String page = HtmlReport.render(List.of(report), Optional.empty(), report.environment());

        Document document = parse(page);
        assertThat(document.getDocumentElement().getLocalName()).isEqualTo("html");
        assertThat(svgs(document, "svg").getLength()).isEqualTo(1);
        assertThat(svgs(document, "polyline").getLength()).isEqualTo(1);
        String points = ((Element) svgs(document, "polyline").item(0)).getAttribute("points");
        assertThat(points.split(" ")).hasSize(7);
        assertThat(page).contains("Intel(R) Xeon(R) Processor", "avx512_vnni", "1.29.0",
                "outpost bench model.onnx --sla p90&lt;20ms", "model.onnx", "SingleStream", "<td>20.00 ms</td>");
        // Self-contained: no script, no external stylesheet, image or font.
        assertThat(page).doesNotContain("<script", "<link", "src=", "url(", "@import");
    }

    @Test
    void percentileCurve_risesWithThePercentile() throws Exception {
        BenchReport report = SampleReports.singleStream();
        Document document = parse(HtmlReport.render(List.of(report), Optional.empty(), report.environment()));

        String[] points = ((Element) svgs(document, "polyline").item(0)).getAttribute("points").split(" ");
        double previousX = -1;
        double previousY = Double.MAX_VALUE;
        for (String point : points) {
            double x = Double.parseDouble(point.split(",")[0]);
            double y = Double.parseDouble(point.split(",")[1]);
            assertThat(x).isGreaterThan(previousX);
            assertThat(y).isLessThan(previousY); // SVG y grows downward: a higher latency is higher up
            previousX = x;
            previousY = y;
        }
    }

    @Test
    void twoReports_addTheLatencyThroughputScatter() throws Exception {
        BenchReport report = SampleReports.singleStream();

        Document document = parse(HtmlReport.render(List.of(report, SampleReports.serverSearch()), Optional.empty(),
                report.environment()));

        assertThat(svgs(document, "svg").getLength()).isEqualTo(2);
        assertThat(svgs(document, "polyline").getLength()).isEqualTo(2);
        assertThat(svgs(document, "circle").getLength()).isEqualTo(2);
    }

    @Test
    void comparison_addsRatiosAndAPointPerContender() throws Exception {
        FakeClock clock = new FakeClock();
        ComparisonResult result = Comparison.run(new LoadGenerator(clock, ProgressListener.NONE),
                List.of(new Comparison.Contender("fp32 <a&b>", clock.sut(2_000_000)),
                        new Comparison.Contender("int8", clock.sut(1_000_000)),
                        new Comparison.Contender("int8 threads=2", clock.sut(600_000))),
                RunSettings.quick(Scenario.SINGLE_STREAM).withDuration(Duration.ofSeconds(1)), 4);

        String page = HtmlReport.render(List.of(), Optional.of(result), SampleReports.environment());

        Document document = parse(page);
        assertThat(svgs(document, "circle").getLength()).isEqualTo(3);
        assertThat(svgs(document, "polyline").getLength()).isEqualTo(3);
        assertThat(page).contains("fp32 &lt;a&amp;b&gt;", "2.00x faster", ComparisonResult.METHOD);
        assertThat(document.getElementsByTagName("table").getLength()).isEqualTo(2);
    }

    @Test
    void nothingToReport_isRejected() {
        assertThatThrownBy(() -> HtmlReport.render(List.of(), Optional.empty(), SampleReports.environment()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no reports and no comparison");
    }
}
