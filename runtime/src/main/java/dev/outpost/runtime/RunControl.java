package dev.outpost.runtime;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Stops model runs from another thread: pass it to {@link ModelSession#run(java.util.Map, java.util.Set, RunControl)}
 * and call {@link #cancel()} once nobody wants the answer any more (the request timed out, the client
 * went away). Obtained from {@link ModelSession#newRunControl()}.
 *
 * <pre>{@code
 * try (RunControl control = session.newRunControl("request-42")) {
 *     Future<Outputs> result = pool.submit(() -> session.run(inputs, outputNames, control));
 *     try {
 *         return result.get(200, TimeUnit.MILLISECONDS);
 *     } catch (TimeoutException e) {
 *         control.cancel();   // the run throws CANCELLED once ONNX Runtime ends its current operator
 *         throw new MyTimeoutException(e);   // close() waits for that
 *     }
 * }
 * }</pre>
 *
 * <p>Cancelling is final: a cancelled control stays cancelled, and every run using it throws
 * {@link InferenceException} with {@link InferenceException.Code#CANCELLED} and returns no outputs.
 * A run in progress stops when ONNX Runtime next moves from one operator (graph node) to the next:
 * an operator already computing is not interrupted, so the delay is up to one operator's time (a
 * millisecond or two for the layers of a CNN on a CPU; a single 1.5-second MatMul runs to its end).
 * A run that has not yet entered ONNX Runtime fails at once, without calling native code. A run
 * that already returned is not affected. Use one control per request.
 *
 * <p>Thread-safe: {@link #cancel()} and {@link #isCancelled()} may be called from any thread, at any
 * time, also after {@link #close()}. One control may serve several runs, one after another or at
 * the same time; cancelling stops them all.
 *
 * <p>Ownership: the control holds a native ONNX Runtime object; whoever created it closes it. Close
 * is idempotent and waits for runs still using the control to return (cancel first to make that
 * quick). Runs given a closed control throw {@link IllegalStateException}.
 */
public final class RunControl implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RunControl.class.getName());

    private final String tag;
    private final OrtSession.RunOptions options;
    /** Runs and cancel() hold the read lock while they use the native options; close() frees them under the write lock. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    /** {@link System#nanoTime()} of the first {@link #cancel()}; null while not cancelled. */
    private final AtomicReference<Long> cancelledAt = new AtomicReference<>();
    private final AtomicInteger nativeCalls = new AtomicInteger();
    private volatile boolean closed;

    /** Creates the native options; the caller has loaded ONNX Runtime (a session is open). */
    RunControl(String tag) {
        this.tag = tag;
        OrtSession.RunOptions created = null;
        try {
            created = new OrtSession.RunOptions();
            if (!tag.isEmpty()) {
                created.setRunTag(tag);
            }
        } catch (OrtException e) {
            if (created != null) {
                created.close();
            }
            throw new InferenceException(InferenceException.Code.BACKEND_FAILURE,
                    "ONNX Runtime could not create the run options of a RunControl: " + OrtTypes.stripPrefix(e.getMessage()), e);
        }
        this.options = created;
    }

    /** The tag given at creation (it also marks ONNX Runtime's log lines of the runs), or "" for none. */
    public String tag() {
        return tag;
    }

    /**
     * Cancels every run using this control, now and later. Idempotent; never blocks on a run; may be
     * called from any thread, also after close (then it only marks the control cancelled).
     */
    public void cancel() {
        if (!cancelledAt.compareAndSet(null, System.nanoTime())) {
            return;
        }
        // tryLock: fails only while close() holds the lock, and then no run is using the options.
        Lock lock = lifecycle.readLock();
        if (!lock.tryLock()) {
            return;
        }
        try {
            if (!closed) {
                options.setTerminate(true);
            }
        } catch (OrtException e) {
            // Runs still stop: they check isCancelled() before entering ONNX Runtime, but one in progress runs on.
            LOG.log(System.Logger.Level.WARNING, "ONNX Runtime refused to terminate the runs of " + this, e);
        } finally {
            lock.unlock();
        }
    }

    /** True once {@link #cancel()} was called. */
    public boolean isCancelled() {
        return cancelledAt.get() != null;
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Waits for runs still using this control to return, then frees the native options. Idempotent. */
    @Override
    public void close() {
        Lock lock = lifecycle.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            options.close();
        } finally {
            lock.unlock();
        }
    }

    @Override
    public String toString() {
        return "RunControl[" + (tag.isEmpty() ? "" : "'" + tag + "', ") + (isCancelled() ? "cancelled" : "active")
                + (closed ? ", closed]" : "]");
    }

    // ---- package-private, for ModelSession and SessionRun ----

    /**
     * Marks one run as using the control until {@link #leave()}; fails the run when the control is
     * closed, or cancelled before the run started.
     */
    void enter(String model) {
        lifecycle.readLock().lock();
        if (closed) {
            lifecycle.readLock().unlock();
            throw new IllegalStateException(this + " is closed; model " + model + " was not run");
        }
        if (isCancelled()) {
            lifecycle.readLock().unlock();
            throw new InferenceException(InferenceException.Code.CANCELLED, describeRun(model)
                    + " was cancelled before it started; ONNX Runtime was not called");
        }
    }

    /** Ends a run's use of the control, started by {@link #enter}. */
    void leave() {
        lifecycle.readLock().unlock();
    }

    /** The native options, for a run between {@link #enter} and {@link #leave()}; counts the call (see {@link #nativeCalls()}). */
    OrtSession.RunOptions optionsForNativeCall() {
        nativeCalls.incrementAndGet();
        return options;
    }

    /** How many times a run took the native options to call ONNX Runtime (tests: did a run get that far?). */
    int nativeCalls() {
        return nativeCalls.get();
    }

    /**
     * The error of a run that ONNX Runtime stopped once {@link #isCancelled()}; {@code startedAt} is
     * the run's {@link System#nanoTime()}, {@code cause} ONNX Runtime's error.
     */
    InferenceException cancelled(String model, long startedAt, Throwable cause) {
        long now = System.nanoTime();
        return new InferenceException(InferenceException.Code.CANCELLED, describeRun(model) + " was cancelled after "
                + millis(now - startedAt) + " (ONNX Runtime stopped it " + millis(now - cancelledAt.get())
                + " after cancel()); no outputs are returned", cause);
    }

    private String describeRun(String model) {
        return "Run " + (tag.isEmpty() ? "" : "'" + tag + "' ") + "of model " + model;
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.1f ms", nanos / 1e6);
    }
}
