package dev.outpost.runtime;

import ai.onnxruntime.OnnxMap;
import ai.onnxruntime.OnnxSequence;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Package-private: one call of {@link ModelSession#run} after its arguments were checked. Creates
 * the ORT input tensors (zero copy), runs, converts the outputs, and releases every native value on
 * every path. Used by one thread, once.
 */
final class SessionRun {

    private static final Runnable NOTHING = () -> { };

    private record Slot(PinnedOutput pin, ByteBuffer buffer) {
    }

    private final ModelSession session;
    private final Map<String, Tensor> inputs;
    private final List<String> wanted;
    private final RunControl control;
    private final long startedAt = System.nanoTime();

    /** {@code control} (null for none) is entered by the caller for the whole run. */
    SessionRun(ModelSession session, Map<String, Tensor> inputs, List<String> wanted, RunControl control) {
        this.session = session;
        this.inputs = inputs;
        this.wanted = wanted;
        this.control = control;
    }

    /**
     * Runs, retrying once without pinned outputs when ORT refuses them (a model whose declared output
     * shapes are wrong); a cancelled run is not retried.
     */
    Outputs execute() {
        boolean pinning = wanted.stream().anyMatch(name -> session.pinned(name) != null);
        try {
            return attempt(pinning);
        } catch (OrtException first) {
            if (!pinning || isCancelled()) {
                throw failure(first);
            }
            Outputs outputs;
            try {
                outputs = attempt(false);
            } catch (OrtException second) {
                throw failure(second);
            }
            session.disablePinning(OrtTypes.stripPrefix(first.getMessage()));
            return outputs;
        }
    }

    private Outputs attempt(boolean pin) throws OrtException {
        Map<String, OnnxTensor> ortInputs = new HashMap<>();
        Map<String, OnnxTensor> pinnedTensors = new HashMap<>();
        Map<String, Slot> slots = new HashMap<>();
        LinkedHashMap<String, Object> values = new LinkedHashMap<>();
        OrtSession.Result result = null;
        boolean done = false;
        try {
            for (var entry : inputs.entrySet()) {
                ortInputs.put(entry.getKey(), toOrt(entry.getValue()));
            }
            Set<String> allocated = new LinkedHashSet<>();
            for (String name : wanted) {
                PinnedOutput slot = pin ? session.pinned(name) : null;
                if (slot == null) {
                    allocated.add(name);
                    continue;
                }
                ByteBuffer buffer = slot.take();
                slots.put(name, new Slot(slot, buffer));
                pinnedTensors.put(name, slot.forOrt(session.environment(), buffer));
            }
            OrtSession.RunOptions options = control == null ? null : control.optionsForNativeCall();
            result = pinnedTensors.isEmpty()
                    ? session.ortSession().run(ortInputs, allocated, options)
                    : session.ortSession().run(ortInputs, allocated, pinnedTensors, options);
            for (String name : wanted) {
                Slot slot = slots.remove(name);
                if (slot != null) {
                    values.put(name, slot.pin().toTensor(slot.buffer()));
                } else {
                    OnnxValue value = result.get(name).orElseThrow(() -> new InferenceException(
                            InferenceException.Code.BACKEND_FAILURE, "ONNX Runtime returned no output '" + name
                            + "' for model " + session.name()));
                    values.put(name, copy(name, value));
                }
            }
            done = true;
            return new Outputs(session.name(), values);
        } finally {
            if (result != null) {
                result.close();
            }
            pinnedTensors.values().forEach(OnnxTensor::close);
            ortInputs.values().forEach(OnnxTensor::close);
            if (!done) {
                values.values().forEach(Outputs::closeValue);
                slots.values().forEach(slot -> slot.pin().give(slot.buffer()));
            }
        }
    }

    private boolean isCancelled() {
        return control != null && control.isCancelled();
    }

    /** ORT's error as ours: CANCELLED once the control is cancelled (ORT stopped the run), else BACKEND_FAILURE. */
    private InferenceException failure(OrtException error) {
        return isCancelled() ? control.cancelled(session.name(), startedAt, error) : OrtTypes.runFailure(error, session.name());
    }

    private OnnxTensor toOrt(Tensor tensor) throws OrtException {
        if (tensor.type() == DType.STRING) {
            return OnnxTensor.createTensor(session.environment(), tensor.strings(), tensor.shape());
        }
        return OnnxTensor.createTensor(session.environment(), tensor.buffer(), tensor.shape(),
                OrtTypes.javaTypeOf(tensor.type()).orElseThrow());
    }

    /** Copies a value out of ORT memory; the caller closes {@code value} (sequence elements are closed here). */
    private Object copy(String name, OnnxValue value) throws OrtException {
        if (value instanceof OnnxTensor tensor) {
            return copyTensor(name, tensor);
        }
        if (value instanceof OnnxSequence sequence) {
            // OnnxSequence.close() does not free the elements it hands out: close each one (ORT issue #24551).
            List<? extends OnnxValue> elements = sequence.getValue();
            List<Tensor> tensors = new ArrayList<>();
            List<Map<Object, Object>> maps = new ArrayList<>();
            boolean copied = false;
            try {
                for (OnnxValue element : elements) {
                    if (element instanceof OnnxTensor tensor) {
                        tensors.add(copyTensor(name, tensor));
                    } else if (element instanceof OnnxMap map) {
                        maps.add(Collections.unmodifiableMap(new HashMap<Object, Object>(map.getValue())));
                    } else {
                        throw unsupported(name, "a sequence of " + element.getType());
                    }
                }
                copied = true;
                return sequence.getInfo().isSequenceOfMaps() ? new Outputs.MapSequence(maps) : List.copyOf(tensors);
            } finally {
                elements.forEach(OnnxValue::close);
                if (!copied) {
                    tensors.forEach(Tensor::close);
                }
            }
        }
        throw unsupported(name, value.getType().toString());
    }

    private Tensor copyTensor(String name, OnnxTensor tensor) throws OrtException {
        var info = tensor.getInfo();
        DType type = OrtTypes.dtypeOf(info.onnxType).orElseThrow(() -> unsupported(name, OrtTypes.describe(info)));
        long[] shape = info.getShape();
        if (type == DType.STRING) {
            String[] flat = new String[Math.toIntExact(Tensor.elementCount(shape))];
            flatten(tensor.getValue(), flat, 0);
            return Tensor.ownedStrings(flat, shape, NOTHING);
        }
        return Tensor.wrap(tensor.getByteBuffer(), type, shape);
    }

    private static int flatten(Object value, String[] out, int at) {
        if (value instanceof String text) {
            out[at] = text;
            return at + 1;
        }
        int next = at;
        for (Object element : (Object[]) value) {
            next = flatten(element, out, next);
        }
        return next;
    }

    private InferenceException unsupported(String name, String kind) {
        return new InferenceException(InferenceException.Code.UNSUPPORTED_OUTPUT, "Output '" + name + "' of model "
                + session.name() + " is " + kind + ", which the runtime cannot return");
    }
}
