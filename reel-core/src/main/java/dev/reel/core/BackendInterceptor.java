package dev.reel.core;

import java.util.function.UnaryOperator;

/**
 * A per-thread wrapper around the backend that {@link Tensor#backend()} hands out. Training's autograd installs
 * one while a forward runs under a tape, so it sees every op the model code calls without the model knowing;
 * with none installed (inference) the lookup costs one thread-local read and nothing is recorded.
 */
public final class BackendInterceptor {
    private static final ThreadLocal<UnaryOperator<Backend>> CURRENT = new ThreadLocal<>();

    private BackendInterceptor() {}

    /** {@code backend} as the current thread's interceptor sees it (itself when none is installed). */
    public static Backend apply(Backend backend) {
        UnaryOperator<Backend> w = CURRENT.get();
        return w == null ? backend : w.apply(backend);
    }

    /** Installs {@code wrapper} (null removes any) on this thread; returns the one it replaces, to restore later. */
    public static UnaryOperator<Backend> install(UnaryOperator<Backend> wrapper) {
        UnaryOperator<Backend> previous = CURRENT.get();
        if (wrapper == null) CURRENT.remove(); else CURRENT.set(wrapper);
        return previous;
    }
}
