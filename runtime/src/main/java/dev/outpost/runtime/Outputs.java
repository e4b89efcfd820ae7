package dev.outpost.runtime;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The outputs of one {@link ModelSession#run} call, in the order they were requested.
 *
 * <p>Tensor outputs are {@link Tensor}s ({@link #get}, {@link #first}, iteration); a sequence of
 * tensors is a {@code List<Tensor>} ({@link #sequence}); a sequence of maps, as a scikit-learn
 * style {@code ZipMap} produces, is a list of Java maps ({@link #maps}). No ONNX Runtime memory is
 * held: every value was copied out of ONNX Runtime or written by it into a buffer of ours.
 *
 * <p>Ownership: the caller owns the outputs and closes them; closing closes every tensor here
 * (including sequence elements) and makes them unusable, so copy what must outlive it. Close is
 * idempotent. Reading from several threads is safe; closing while another thread reads is not.
 */
public final class Outputs implements AutoCloseable, Iterable<Map.Entry<String, Tensor>> {

    private final String model;
    private final Map<String, Object> values;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A sequence-of-maps output, kept apart from sequences of tensors even when empty. */
    record MapSequence(List<Map<Object, Object>> maps) {
        MapSequence {
            maps = List.copyOf(maps);
        }
    }

    /** Takes ownership of {@code values}: each a {@link Tensor}, a {@code List<Tensor>} or a {@link MapSequence}. */
    Outputs(String model, LinkedHashMap<String, Object> values) {
        this.model = model;
        this.values = values;
    }

    /** The output names, in the order requested. */
    public List<String> names() {
        checkOpen();
        return List.copyOf(values.keySet());
    }

    /** The number of outputs. */
    public int size() {
        return values.size();
    }

    /**
     * The tensor output {@code name}.
     *
     * @throws InferenceException INVALID_ARGUMENT when there is no such output or it is not a tensor
     */
    public Tensor get(String name) {
        Object value = lookup(name);
        if (value instanceof Tensor tensor) {
            return tensor;
        }
        throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Output '" + name + "' of model "
                + model + " is " + kind(value) + ", not a tensor; use " + (isMapList(value) ? "maps" : "sequence")
                + "(\"" + name + "\")");
    }

    /** The first output, which must be a tensor. */
    public Tensor first() {
        checkOpen();
        if (values.isEmpty()) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "No outputs were requested");
        }
        return get(values.keySet().iterator().next());
    }

    /**
     * The sequence-of-tensors output {@code name}, as an unmodifiable list owned by these outputs.
     *
     * @throws InferenceException INVALID_ARGUMENT when there is no such output or it is not a sequence of tensors
     */
    @SuppressWarnings("unchecked")
    public List<Tensor> sequence(String name) {
        Object value = lookup(name);
        if (value instanceof List<?> list) {
            return (List<Tensor>) list;
        }
        throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Output '" + name + "' of model "
                + model + " is " + kind(value) + ", not a sequence of tensors");
    }

    /**
     * The sequence-of-maps output {@code name} (e.g. a ZipMap's class probabilities), as unmodifiable
     * maps: keys are {@code String} or {@code Long}, values {@code Float}, {@code Double}, {@code Long}
     * or {@code String}, as the model declares them.
     *
     * @throws InferenceException INVALID_ARGUMENT when there is no such output or it is not a sequence of maps
     */
    public List<Map<Object, Object>> maps(String name) {
        Object value = lookup(name);
        if (value instanceof MapSequence sequence) {
            return sequence.maps();
        }
        throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "Output '" + name + "' of model "
                + model + " is " + kind(value) + ", not a sequence of maps");
    }

    /** Iterates over the tensor outputs (name and tensor) in request order; sequences are skipped. */
    @Override
    public Iterator<Map.Entry<String, Tensor>> iterator() {
        checkOpen();
        List<Map.Entry<String, Tensor>> tensors = new ArrayList<>();
        values.forEach((name, value) -> {
            if (value instanceof Tensor tensor) {
                tensors.add(Map.entry(name, tensor));
            }
        });
        return tensors.iterator();
    }

    /** True once closed. */
    public boolean isClosed() {
        return closed.get();
    }

    /** Closes every tensor here. Idempotent. */
    @Override
    public void close() {
        if (closed.getAndSet(true)) {
            return;
        }
        for (Object value : values.values()) {
            closeValue(value);
        }
    }

    /** Closes a value of the kinds {@link Outputs} holds; used on failure paths before an Outputs exists. */
    static void closeValue(Object value) {
        if (value instanceof Tensor tensor) {
            tensor.close();
        } else if (value instanceof List<?> list) {
            for (Object element : list) {
                if (element instanceof Tensor tensor) {
                    tensor.close();
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Outputs" + values.keySet() + (closed.get() ? " (closed)" : "");
    }

    private Object lookup(String name) {
        checkOpen();
        Object value = values.get(name);
        if (value == null) {
            throw new InferenceException(InferenceException.Code.INVALID_ARGUMENT, "No output '" + name
                    + "' in these outputs of model " + model + "; they are " + values.keySet());
        }
        return value;
    }

    private static boolean isMapList(Object value) {
        return value instanceof MapSequence;
    }

    private static String kind(Object value) {
        if (value instanceof Tensor) {
            return "a tensor";
        }
        return isMapList(value) ? "a sequence of maps" : "a sequence of tensors";
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("Outputs of model " + model + " are closed; read what you need"
                    + " before closing them");
        }
    }
}
