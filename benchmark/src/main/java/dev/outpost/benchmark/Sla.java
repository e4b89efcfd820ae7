package dev.outpost.benchmark;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Service-level budgets that a benchmark must meet, for CI gates:
 * {@code p90<20ms,rss<200MB,size<10MB,top1>=0.68}. Each budget is {@code METRIC OP VALUE[UNIT]} with OP
 * one of {@code < <= > >=}; metrics and units are listed in {@link SlaMetric} (latency: ns/us/ms/s;
 * memory: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024); qps; gmacs; fractions or %;
 * energy per sample: J/mJ/uJ). A budget on something the run did not measure (top1, energy without a
 * meter, GMAC/s without MACs) is broken: a gate must not pass on a figure nobody measured.
 *
 * <p>Immutable and thread-safe.
 */
public final class Sla {

    /** The exit status of {@code outpost bench} when a budget is broken. */
    public static final int EXIT_CODE = 3;

    private static final Pattern BUDGET = Pattern.compile("\\s*([A-Za-z][A-Za-z0-9.]*)\\s*(<=|>=|<|>)\\s*"
            + "([+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?)\\s*([A-Za-zµ%]*)\\s*");

    private final List<Budget> budgets;

    private Sla(List<Budget> budgets) {
        this.budgets = List.copyOf(budgets);
    }

    /**
     * Parses a comma-separated list of budgets.
     *
     * @throws BenchmarkException ({@link BenchmarkException.Code#INVALID_BUDGET}) naming the bad budget,
     *     its position, and what is valid
     */
    public static Sla parse(String text) {
        Objects.requireNonNull(text, "text");
        String[] parts = text.split(",", -1);
        List<Budget> budgets = new ArrayList<>();
        for (int i = 0; i < parts.length; i++) {
            budgets.add(parseBudget(parts[i].trim(), i + 1, parts.length));
        }
        return new Sla(budgets);
    }

    private static Budget parseBudget(String text, int position, int count) {
        String where = "SLA budget " + position + " of " + count + " ('" + text + "')";
        if (text.isEmpty()) {
            throw invalid(where + " is empty; expected METRIC OP VALUE, e.g. p90<20ms");
        }
        Matcher matcher = BUDGET.matcher(text);
        if (!matcher.matches()) {
            throw invalid(where + " does not read as METRIC OP VALUE[UNIT] with OP one of <, <=, >, >=;"
                    + " e.g. p90<20ms, rss<200MB, qps>=100, top1>=0.68");
        }
        String name = matcher.group(1).toLowerCase(Locale.ROOT);
        SlaMetric metric = null;
        for (SlaMetric candidate : SlaMetric.values()) {
            if (candidate.key().equals(name) || (candidate == SlaMetric.P999 && name.equals("p999"))) {
                metric = candidate;
            }
        }
        if (metric == null) {
            throw invalid(where + ": unknown metric '" + matcher.group(1) + "'; expected one of " + SlaMetric.keys());
        }
        String unit = matcher.group(4);
        Double factor = metric.unit().factors.get(unit.toLowerCase(Locale.ROOT).replace("µ", "u"));
        if (factor == null || (unit.isEmpty() && !metric.unit().unitOptional)) {
            throw invalid(where + ": " + (unit.isEmpty() ? "no unit" : "unit '" + unit + "' is not valid")
                    + " for " + metric.key() + "; expected " + metric.unit().valid);
        }
        double value = Double.parseDouble(matcher.group(3));
        if (value < 0) {
            throw invalid(where + ": negative value " + matcher.group(3) + "; expected a value >= 0");
        }
        double threshold = value * factor;
        if (metric.unit() == SlaMetric.Unit.FRACTION && threshold > 1) {
            throw invalid(where + ": " + metric.key() + " is a fraction; expected 0..1 or a percentage such as 68%");
        }
        return new Budget(metric, Operator.of(matcher.group(2)), threshold, text);
    }

    private static BenchmarkException invalid(String message) {
        return new BenchmarkException(BenchmarkException.Code.INVALID_BUDGET, message);
    }

    /** The budgets, in the order given. */
    public List<Budget> budgets() {
        return budgets;
    }

    /** The budgets the report breaks, in order; empty when all are met. */
    public List<Violation> evaluate(BenchReport report) {
        List<Violation> violations = new ArrayList<>();
        for (Budget budget : budgets) {
            OptionalDouble actual = budget.metric().read(report);
            if (actual.isEmpty()) {
                violations.add(new Violation(budget, Double.NaN, budget.text() + ": " + budget.metric().key()
                        + " was not measured in this run" + notMeasuredHint(budget.metric())));
            } else if (!budget.operator().holds(actual.getAsDouble(), budget.threshold())) {
                violations.add(new Violation(budget, actual.getAsDouble(), budget.text() + ": measured "
                        + Units.format(budget.metric(), actual.getAsDouble())));
            }
        }
        return violations;
    }

    private static String notMeasuredHint(SlaMetric metric) {
        return switch (metric) {
            case TOP1 -> " (bench measures speed; accuracy comes from outpost eval)";
            case ENERGY -> " (no readable RAPL counters and no --energy-meter command)";
            case GMACS -> " (the model's MACs are unknown)";
            case COLD -> " (the cold start was skipped)";
            default -> " (not readable on this system)";
        };
    }

    @Override
    public String toString() {
        return String.join(",", budgets.stream().map(Budget::text).toList());
    }

    /** A comparison operator of a budget. */
    public enum Operator {
        /** Strictly less. */
        LT("<"),
        /** Less or equal. */
        LE("<="),
        /** Strictly greater. */
        GT(">"),
        /** Greater or equal. */
        GE(">=");

        private final String symbol;

        Operator(String symbol) {
            this.symbol = symbol;
        }

        /** How it is written, e.g. {@code <=}. */
        public String symbol() {
            return symbol;
        }

        static Operator of(String symbol) {
            for (Operator operator : values()) {
                if (operator.symbol.equals(symbol)) {
                    return operator;
                }
            }
            throw new IllegalArgumentException("Unknown operator " + symbol);
        }

        /** Whether {@code actual OP threshold} holds. */
        public boolean holds(double actual, double threshold) {
            return switch (this) {
                case LT -> actual < threshold;
                case LE -> actual <= threshold;
                case GT -> actual > threshold;
                case GE -> actual >= threshold;
            };
        }
    }

    /**
     * One budget.
     *
     * @param metric what is bounded
     * @param operator how
     * @param threshold the bound in the metric's base unit (ns, bytes, qps, GMAC/s, fraction, J)
     * @param text the budget as written
     */
    public record Budget(SlaMetric metric, Operator operator, double threshold, String text) {
    }

    /**
     * A broken budget.
     *
     * @param budget the budget
     * @param actual the measured value in the base unit; NaN when not measured
     * @param message what was measured, e.g. {@code "p90<20ms: measured 23.41 ms"}
     */
    public record Violation(Budget budget, double actual, String message) {
    }
}
