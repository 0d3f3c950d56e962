package dev.reel.train.autograd;

import dev.reel.core.Backend;
import dev.reel.core.BackendInterceptor;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.ShapeException;
import dev.reel.core.Storage;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Reverse-mode automatic differentiation over {@link Backend} ops. While a tape is open on a thread, every op that
 * model code runs through {@link Tensor#backend()} on a tensor derived from one of the tape's {@linkplain #watch
 * watched} leaves is recorded with what its backward needs; {@link #backward} walks the records in reverse and adds
 * each leaf's gradient into {@link #gradients()}.
 *
 * <pre>{@code
 * try (Tape tape = Tape.open(grads, params)) {
 *     Tensor loss = lossOf(model.forward(...));
 *     tape.backward(loss);           // grads.of(param) now holds dLoss/dParam
 * }
 * }</pre>
 *
 * <p>Memory is deterministic: tensors a backward needs are taken out of the forward's {@link Scope}s and freed by
 * {@code backward} as soon as their last user has run, or when the tape closes; intermediate gradients are freed
 * once consumed. With no tape open nothing is recorded and nothing is kept.
 */
public final class Tape implements AutoCloseable {
    /** A recorded op: its output and how to turn the output's gradient into its inputs' gradients. */
    record Node(String op, Tensor output, Tensor[] inputs, Derivative derivative, List<Storage> saved) {}

    /** The backward of one op: the gradient of each input (null where not {@code needed}). */
    @FunctionalInterface
    interface Derivative {
        Tensor[] apply(Tensor gradOutput, boolean[] needed);
    }

    private final Gradients gradients;
    private final Set<Storage> leaves = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Storage> tracked = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Set<Storage> produced = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
    private final Map<Storage, Integer> savedUses = new IdentityHashMap<>();
    private final List<Node> nodes = new ArrayList<>();
    private final UnaryOperator<Backend> previous;
    private final Map<Backend, RecordingBackend> wrappers = new IdentityHashMap<>();
    private boolean recording = true;
    private boolean closed;

    private Tape(Gradients gradients, Collection<Tensor> leaves) {
        this.gradients = gradients;
        for (Tensor t : leaves) watch(t);
        this.previous = BackendInterceptor.install(this::wrap);
    }

    /** Opens a tape on this thread whose leaves' gradients accumulate into {@code gradients}. */
    public static Tape open(Gradients gradients, Collection<Tensor> leaves) {
        return new Tape(gradients, leaves);
    }

    /** Makes {@code t} a leaf: ops on it (or its views) are recorded and its gradient is kept. */
    public Tensor watch(Tensor t) {
        leaves.add(t.storage());
        gradients.sumInFp32(t);
        tracked.add(t.storage());
        return t;
    }

    /** Where leaves' gradients accumulate. */
    public Gradients gradients() { return gradients; }

    /** Records over whatever the thread's previous interceptor made of {@code b} (an {@code OpProfile} then times the recorded ops too). */
    private Backend wrap(Backend b) {
        Backend inner = previous == null ? b : previous.apply(b);
        if (!recording) return inner;
        return wrappers.computeIfAbsent(inner, raw -> new RecordingBackend(raw, this));
    }

    // ---------------------------------------------------------------- recording (RecordingBackend's side)

    /** True if gradients flow through {@code t} (it views a leaf or an op's output on this tape). */
    boolean requiresGrad(Tensor t) { return t != null && tracked.contains(t.storage()); }

    /** Runs {@code body} with recording off (the raw backend's own calls must not be recorded). */
    <T> T untaped(java.util.function.Supplier<T> body) {
        boolean was = recording;
        recording = false;
        try { return body.get(); } finally { recording = was; }
    }

    /**
     * Keeps {@code t} alive for a backward: tensors the forward made are taken out of their scopes and freed by the
     * tape; leaves and other outside tensors are left to their owners.
     */
    Tensor save(Tensor t) {
        if (t == null) return null;
        Storage s = t.storage();
        if (produced.contains(s)) {
            if (!savedUses.containsKey(s)) Scope.detach(t);
            savedUses.merge(s, 1, Integer::sum);
        }
        return t;
    }

    /**
     * Marks {@code t}, made by the forward beside an op's output (attention's softmax statistics), as this tape's, so
     * saving it for a backward takes it out of its scope as {@link #save} does an output.
     */
    Tensor produced(Tensor t) {
        if (t != null) produced.add(t.storage());
        return t;
    }

    /** Records {@code output = op(inputs)} when any input requires grad; returns {@code output}. */
    Tensor record(String op, Tensor output, Tensor[] inputs, Derivative derivative, Tensor... saved) {
        return record(op, false, output, inputs, derivative, saved);
    }

    private Tensor record(String op, boolean always, Tensor output, Tensor[] inputs, Derivative derivative, Tensor... saved) {
        boolean any = always;
        for (Tensor t : inputs) any |= requiresGrad(t);
        Storage out = output.storage();
        for (Tensor t : inputs) if (t != null && t.storage() == out) return output;   // an identity: same storage
        produced.add(out);
        if (!any) return output;
        List<Storage> keep = new ArrayList<>(saved.length);
        for (Tensor t : saved) {
            save(t);
            if (t != null && produced.contains(t.storage())) keep.add(t.storage());
        }
        tracked.add(out);
        nodes.add(new Node(op, output, inputs, derivative, keep));
        return output;
    }

    /**
     * Activation checkpointing: runs {@code fn} without recording, keeping only its inputs, and records one step
     * whose backward runs {@code fn} again under a nested tape and back-propagates through it. Memory for the
     * intermediates of {@code fn} is needed only while its own backward runs.
     *
     * @param inputs    the tensors gradients flow back to
     * @param constants other tensors {@code fn} reads (kept alive until the backward), e.g. rotary tables
     */
    public Tensor checkpoint(java.util.function.Function<Tensor[], Tensor> fn, Tensor[] inputs, Tensor... constants) {
        if (!recording) return fn.apply(inputs);
        Tensor y = untaped(() -> fn.apply(inputs));
        List<Tensor> innerLeaves = new ArrayList<>();
        for (Tensor t : inputs) if (requiresGrad(t)) innerLeaves.add(t);
        Set<Storage> outerLeaves = leaves;
        Tensor[] saved = new Tensor[inputs.length + constants.length];
        System.arraycopy(inputs, 0, saved, 0, inputs.length);
        System.arraycopy(constants, 0, saved, inputs.length, constants.length);
        // recorded even when no input needs a gradient: the parameters inside fn do
        return record("checkpoint", true, y, inputs, (g, needed) -> {
            try (Tape inner = new Tape(gradients, innerLeaves)) {
                inner.leaves.addAll(outerLeaves);   // parameters' gradients accumulate, and are kept, as in this tape
                inner.tracked.addAll(outerLeaves);
                Tensor again = fn.apply(inputs);
                if (inner.requiresGrad(again)) inner.backward(again, g);
            }
            return new Tensor[inputs.length];   // the nested backward already added the inputs' gradients
        }, saved);
    }

    // ---------------------------------------------------------------- backward

    /** Back-propagates from a one-element {@code loss} (seed gradient 1). */
    public void backward(Tensor loss) {
        if (loss.numel() != 1) throw new ShapeException("backward", "loss must have one element, got shape " + ShapeException.fmt(loss.shape()));
        Backend b = raw(loss);
        backward(loss, b.full(1f, loss.dtype(), loss.shape()));
    }

    /** Back-propagates {@code gradOutput} (of {@code output}'s shape) from {@code output}; frees what the tape kept. */
    public void backward(Tensor output, Tensor gradOutput) {
        if (closed) throw new ReelException("backward on a closed tape");
        if (!requiresGrad(output)) throw new ReelException("backward: the output does not depend on any watched tensor");
        recording = false;
        BackendInterceptor.install(previous);
        try {
            Backend b0 = raw(output);
            try (Scope seed = Scope.open()) { gradients.accumulate(output, gradOutput, b0); }
            for (int i = nodes.size() - 1; i >= 0; i--) {
                Node n = nodes.get(i);
                nodes.set(i, null);
                Storage out = n.output().storage();
                if (gradients.has(out)) {
                    Backend b = raw(n.output());
                    try (Scope scope = Scope.open()) {
                        Tensor g = gradients.of(n.output());
                        boolean[] needed = new boolean[n.inputs().length];
                        for (int k = 0; k < needed.length; k++) needed[k] = requiresGrad(n.inputs()[k]);
                        Tensor[] grads = n.derivative().apply(g, needed);
                        for (int k = 0; k < needed.length; k++) {
                            if (needed[k] && grads[k] != null) gradients.accumulate(n.inputs()[k], grads[k], b);
                        }
                    }
                }
                if (!leaves.contains(out)) gradients.release(out);
                for (Storage s : n.saved()) unsave(s);
            }
            nodes.clear();
        } finally {
            closeRecords();
        }
    }

    private void unsave(Storage s) {
        Integer left = savedUses.get(s);
        if (left == null) return;
        if (left <= 1) { savedUses.remove(s); s.free(); } else savedUses.put(s, left - 1);
    }

    private static Backend raw(Tensor t) { return dev.reel.core.Backends.of(t.device()); }

    private void closeRecords() {
        for (Storage s : savedUses.keySet()) s.free();
        savedUses.clear();
        nodes.clear();
        if (!closed) {
            closed = true;
            recording = false;
        }
    }

    /** Stops recording, frees every tensor the tape kept and restores this thread's previous interceptor. */
    @Override
    public void close() {
        boolean wasOpen = !closed;
        closeRecords();
        if (wasOpen) BackendInterceptor.install(previous);
    }
}
