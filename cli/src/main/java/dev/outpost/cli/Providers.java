package dev.outpost.cli;

import dev.outpost.runtime.ExecutionProvider;
import java.util.List;

/** The {@code --providers} option of predict and bench: one parser, one rule. */
final class Providers {

    private Providers() {
    }

    /**
     * The execution providers to register, in order of preference, from names such as
     * {@code cuda,cpu}. CPU may be named, but only last: ONNX Runtime always registers it last as the
     * fallback, so it is left out of the result.
     *
     * @throws IllegalArgumentException naming an unknown provider, or a cpu that is not last
     */
    static List<ExecutionProvider> accelerators(List<String> names) {
        List<ExecutionProvider> requested = names.stream().map(ExecutionProvider::parse).toList();
        int cpu = requested.indexOf(ExecutionProvider.CPU);
        if (cpu >= 0 && cpu != requested.size() - 1) {
            throw new IllegalArgumentException("cpu must come last (ONNX Runtime always registers CPU last, as the"
                    + " fallback for what the others cannot run); got " + String.join(",", names));
        }
        return requested.stream().filter(provider -> provider != ExecutionProvider.CPU).toList();
    }
}
