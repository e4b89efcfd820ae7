package dev.outpost.cli;

import dev.outpost.benchmark.TerminalProgress;
import dev.outpost.optimizer.OptimizerException;
import dev.outpost.optimizer.eval.EvalData;
import dev.outpost.optimizer.eval.EvalHtml;
import dev.outpost.optimizer.eval.EvalJson;
import dev.outpost.optimizer.eval.EvalProgress;
import dev.outpost.optimizer.eval.EvalResult;
import dev.outpost.optimizer.eval.EvalTable;
import dev.outpost.optimizer.eval.Evaluator;
import dev.outpost.optimizer.eval.Task;
import dev.outpost.runtime.SessionConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code outpost eval}: accuracy on labeled data and fidelity to a reference model. */
@Command(
        name = "eval",
        sortOptions = false,
        description = {
            "Evaluate models on labeled data, and compare them with a reference (e.g. an optimized model with its"
                    + " original): top-1/top-5 for classifiers, mAP@0.5 and mAP@0.5:0.95 for detectors; with a"
                    + " reference also top-1 agreement, mean/min cosine similarity, SQNR and the largest absolute"
                    + " error of every output. Each model runs through its pre/post-processing pipeline; a model"
                    + " without one (an optimized copy no longer matches the catalog) borrows --pipeline-from's,"
                    + " else the reference's.",
            "",
            "Several models: the first is the reference unless --reference is given; all are plotted in --html.",
            "",
            "Data layouts, found from the folder's files: MNIST idx (t10k-images-idx3-ubyte.gz + labels),"
                    + " labels.csv (file,class_index), y_labels.csv + images/ (Visual Wake Words; red and blue"
                    + " are swapped back), images/ + labels/*.txt (YOLO boxes), images/ + a COCO instances JSON"
                    + " (annotations.json, instances*.json or annotations/instances*.json; or give the .json as"
                    + " --data), <class>/ folders (order from"
                    + " classes.txt), or plain images (no labels: compared with the reference only)."
        },
        footer = {
            "",
            "Examples:",
            "  outpost eval ../shared/models/squeezenet1.0-fp32.onnx --data ../shared/data/imagenet-samples",
            "  outpost eval resnet8-int8.onnx --reference resnet8.onnx --data ../shared/data/cifar10-test-subset",
            "  outpost eval fp32.onnx fp16.onnx int8.onnx --data ../shared/data/imagenet-samples --html eval.html",
            "  outpost eval yolox_nano.onnx --data ../shared/data/coco-val2017-subset --json eval.json",
            "  outpost eval mnist_cntk.onnx --data ../shared/data/mnist --limit 2000",
            "  outpost eval int8.onnx --reference fp32.onnx --data photos/ --task tensor",
            "",
            "JSON (--json FILE, or - for standard output): schema outpost.eval/1; data {path, format, task, samples,"
                    + " available, classes}; results [{model, size_bytes, task, samples, latency_median_ms,"
                    + " pipeline, reference, metrics {top1, top5, map50, map50_95, agreement_top1, cosine_mean,"
                    + " cosine_min, sqnr_db, max_abs_error}, outputs [per-output fidelity]}]. Accuracies are"
                    + " fractions; a metric not measured is absent; null stands for infinity (identical outputs).",
            "Latency is the median ONNX Runtime time of one sample (one sample per run).",
            "Exit status: 0 success, 1 failure (message on stderr), 2 usage error."
        })
final class EvalCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "MODEL", description = "The .onnx model files to evaluate.")
    List<Path> models;

    @Option(names = "--data", required = true, paramLabel = "DIR|FILE",
            description = "The evaluation data: a data set folder, a labels file, or images.")
    Path data;

    @Option(names = "--reference", paramLabel = "ORIGINAL",
            description = "Compare every MODEL's outputs with this model's (default: the first MODEL when there are several).")
    Path reference;

    @Option(names = "--pipeline-from", paramLabel = "MODEL",
            description = "Use this model's pipeline declaration for models that have none of their own.")
    Path pipelineFrom;

    @Option(names = "--task", paramLabel = "TASK",
            description = "classify, detect, embed or tensor (default: from the data's labels: class labels"
                    + " classify, boxes detect, none tensor).")
    String task;

    @Option(names = "--limit", paramLabel = "N",
            description = "Evaluate an evenly spaced subset of N samples (default: all).")
    Integer limit;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "0",
            description = "Intra-op threads; 0 lets ONNX Runtime choose (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--json", paramLabel = "FILE", description = "Write the results as JSON (- for standard output).")
    String json;

    @Option(names = "--html", paramLabel = "FILE", description = "Write a self-contained HTML report with a plot.")
    Path html;

    @Override
    public Integer call() {
        Optional<Task> chosenTask = task == null ? Optional.empty() : Optional.of(usage(() -> Task.parse(task)));
        if (limit != null && limit < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be at least 1; got " + limit);
        }
        SessionConfig config = usage(() -> SessionConfig.builder().intraOpThreads(threads).build());
        models.forEach(Inputs::model);
        Optional.ofNullable(reference).ifPresent(file -> checkModel("--reference", file));
        Optional.ofNullable(pipelineFrom).ifPresent(file -> checkModel("--pipeline-from", file));
        Optional<Path> referenceModel = Optional.ofNullable(reference)
                .or(() -> models.size() > 1 ? Optional.of(models.getFirst()) : Optional.empty());
        List<Path> order = new ArrayList<>();
        Optional.ofNullable(reference).ifPresent(order::add);
        order.addAll(models);

        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        TerminalProgress progress = new TerminalProgress(err);
        EvalProgress listener = (phase, done, total) -> progress.update(phase, done / (double) total);
        EvalData evalData;
        List<EvalResult> results = new ArrayList<>();
        try {
            evalData = EvalData.open(data, chosenTask, limit == null ? EvalData.ALL : limit, listener);
            progress.finish();
            if (!evalData.hasLabels() && referenceModel.isEmpty()) {
                throw new CommandLine.ParameterException(spec.commandLine(), "Nothing to measure: " + data + " has no "
                        + (evalData.format().hasClassLabels() || evalData.format().hasBoxes() ? "labels for task "
                                + evalData.task().cliName() : "labels")
                        + "; give --reference ORIGINAL.onnx (or several models, the first being the reference)"
                        + " to compare outputs");
            }
            Optional<Path> borrowed = Optional.ofNullable(pipelineFrom);
            try (Evaluator evaluator = Evaluator.create(evalData, config, listener)) {
                for (int i = 0; i < order.size(); i++) {
                    Path model = order.get(i);
                    boolean isReference = i == 0 && referenceModel.isPresent();
                    // The reference row: accuracy where there are labels, else its (perfect) agreement with itself.
                    Optional<Path> against = isReference && evalData.hasLabels() ? Optional.empty() : referenceModel;
                    results.add(evaluator.evaluate(model, against, borrowed));
                    progress.finish();
                }
            }
        } catch (OptimizerException e) {
            throw new CliException(e.getMessage(), e);
        } finally {
            progress.finish();
        }
        if ("-".equals(json)) {
            out.print(EvalJson.render(results, evalData));
        } else {
            out.print(EvalTable.render(results, evalData));
            if (json != null) {
                write(Path.of(json), EvalJson.render(results, evalData), "JSON results");
            }
        }
        out.flush();
        if (html != null) {
            write(html, EvalHtml.render(results, evalData), "HTML report");
        }
        return 0;
    }

    private static void checkModel(String option, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new CliException(option + " " + file + (Files.isDirectory(file) ? " is a folder" : " does not exist")
                    + "; give the path of an .onnx file");
        }
    }

    private static void write(Path file, String text, String what) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new CliException("Cannot write the " + what + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code value}, turning a refused option into a usage error (exit status 2). */
    private <T> T usage(java.util.function.Supplier<T> value) {
        try {
            return value.get();
        } catch (OptimizerException | IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }
}
