package dev.reel.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A memory scope: every storage created on this thread while the scope is innermost is freed when it closes,
 * except those {@link #keep kept}, which move to the enclosing scope (or become unscoped).
 *
 * <pre>{@code
 * try (var scope = Scope.open()) {
 *     Tensor out = block.forward(x);
 *     return scope.keep(out);
 * }
 * }</pre>
 */
public final class Scope implements AutoCloseable {
    private static final ThreadLocal<Deque<Scope>> STACK = ThreadLocal.withInitial(ArrayDeque::new);

    private final List<Storage> owned = new ArrayList<>();
    private final Map<Storage, Boolean> kept = new IdentityHashMap<>();
    private final Thread owner = Thread.currentThread();
    private boolean closed;

    private Scope() {}

    /** Opens a scope on the current thread. */
    public static Scope open() {
        Scope s = new Scope();
        STACK.get().push(s);
        return s;
    }

    static void register(Storage storage) {
        Scope s = STACK.get().peek();
        if (s != null) s.owned.add(storage);
    }

    /** Keeps {@code t}'s storage alive past this scope; returns {@code t}. */
    public Tensor keep(Tensor t) {
        kept.put(t.storage(), Boolean.TRUE);
        return t;
    }

    /**
     * Takes {@code t}'s storage out of every scope open on this thread, so no scope frees it: it lives until
     * {@link Storage#free()} (or, on the CPU, until unreachable). For state that must outlive the caller's
     * scopes, such as a scheduler's history of model outputs; its owner frees it.
     */
    public static Tensor detach(Tensor t) {
        Storage s = t.storage();
        for (Scope scope : STACK.get()) {
            scope.owned.removeIf(o -> o == s);
            scope.kept.remove(s);
        }
        return t;
    }

    /**
     * Frees {@code t}'s storage now if a scope open on this thread still owns it, as that scope's close would;
     * leaves it alone when something took it out of the scopes ({@link #detach}: a tape that saved it for a
     * backward, a cache that holds it) or no scope owns it. For a chain of large intermediates, each dead once the
     * next exists, that should not wait for the scope's end.
     */
    public static void release(Tensor t) {
        Storage s = t.storage();
        for (Scope scope : STACK.get()) {
            if (scope.owned.removeIf(o -> o == s)) {
                scope.kept.remove(s);
                s.free();
                return;
            }
        }
    }

    /** Number of storages this scope currently owns (for tests and diagnostics). */
    public int ownedCount() { return owned.size(); }

    @Override
    public void close() {
        if (closed) return;
        if (Thread.currentThread() != owner) throw new IllegalStateException("a scope must be closed on the thread that opened it");
        Deque<Scope> stack = STACK.get();
        if (stack.peek() != this) throw new IllegalStateException("scopes must be closed innermost first");
        stack.pop();
        closed = true;
        Scope parent = stack.peek();
        for (Storage s : owned) {
            if (kept.containsKey(s)) {
                if (parent != null) parent.owned.add(s);
            } else {
                s.free();
            }
        }
        owned.clear();
    }
}
