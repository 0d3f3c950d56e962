package dev.reel.models.nn;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * A building block whose parameters and children are registered under the names the checkpoint uses, so
 * {@code blocks.3.attn1.to_q.weight} is {@code blocks.get(3).attn1.toQ.weight}. Subclasses declare fields:
 * <pre>{@code final Linear toQ = child("to_q", new Linear(dim, dim, true));
 * final Parameter weight = param("weight", out, in);}</pre>
 */
public abstract class Module {
    private final Map<String, Parameter> params = new LinkedHashMap<>();
    private final Map<String, Module> children = new LinkedHashMap<>();

    /** Registers a parameter of the given shape under {@code name}. */
    protected final Parameter param(String name, int... shape) {
        Parameter p = new Parameter(shape);
        if (params.putIfAbsent(name, p) != null) throw new IllegalStateException("duplicate parameter " + name);
        return p;
    }

    /** Registers a child module under {@code name}. */
    protected final <M extends Module> M child(String name, M module) {
        if (children.putIfAbsent(name, module) != null) throw new IllegalStateException("duplicate child " + name);
        return module;
    }

    /** Registers a list of children as {@code name.0}, {@code name.1}, … (PyTorch's ModuleList). */
    protected final <M extends Module> List<M> children(String name, List<M> modules) {
        for (int i = 0; i < modules.size(); i++) child(name + "." + i, modules.get(i));
        return List.copyOf(modules);
    }

    /** Visits every parameter with its full dotted key, in declaration order. */
    public final void visitParameters(BiConsumer<String, Parameter> visitor) {
        visit("", visitor);
    }

    private void visit(String prefix, BiConsumer<String, Parameter> visitor) {
        params.forEach((n, p) -> visitor.accept(prefix + n, p));
        children.forEach((n, c) -> c.visit(prefix + n + ".", visitor));
    }

    /** Every module below this one (not this one) by its full dotted name, parents before their children. */
    public final Map<String, Module> namedModules() {
        Map<String, Module> out = new LinkedHashMap<>();
        collectModules("", out);
        return out;
    }

    private void collectModules(String prefix, Map<String, Module> out) {
        children.forEach((n, c) -> {
            out.put(prefix + n, c);
            c.collectModules(prefix + n + ".", out);
        });
    }

    /** Every parameter by full key. */
    public final Map<String, Parameter> namedParameters() {
        Map<String, Parameter> out = new LinkedHashMap<>();
        visitParameters(out::put);
        return out;
    }

    /** Total number of scalar parameters. */
    public final long parameterCount() {
        long[] n = {0};
        visitParameters((k, p) -> {
            long c = 1;
            for (int d : p.shape()) c *= d;
            n[0] += c;
        });
        return n[0];
    }
}
