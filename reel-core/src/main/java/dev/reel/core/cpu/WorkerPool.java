package dev.reel.core.cpu;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one shared pool of CPU worker threads (daemon, {@code availableProcessors - 1} of them; the calling thread
 * works too). Work is split into chunks handed out through an atomic counter, so a core slowed by another
 * process does not hold the others up. Small work and work started from inside a worker run inline.
 */
final class WorkerPool {
    /** Threads that compute at once (workers plus the caller). */
    static final int THREADS = Math.max(1, Integer.getInteger("reel.cpu.threads", Runtime.getRuntime().availableProcessors()));

    private static final ThreadLocal<Boolean> IN_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final ExecutorService POOL = THREADS == 1 ? null : Executors.newFixedThreadPool(THREADS - 1, r -> {
        Thread t = new Thread(() -> { IN_WORKER.set(Boolean.TRUE); r.run(); });
        t.setDaemon(true);
        t.setName("reel-cpu-worker");
        return t;
    });

    private WorkerPool() {}

    /** The body of a parallel loop over the index range {@code [start, end)}. */
    @FunctionalInterface
    interface Range { void run(int start, int end); }

    /**
     * Runs {@code body} over {@code [0, n)}, split into chunks of at least {@code grain} indices, on all threads.
     * Returns when every chunk is done; the first exception of any chunk is rethrown.
     */
    static void parallelFor(int n, int grain, Range body) {
        if (n <= 0) return;
        int maxChunks = Math.max(1, n / Math.max(1, grain));
        int chunks = Math.min(maxChunks, THREADS * 4);
        if (chunks <= 1 || POOL == null || IN_WORKER.get()) { body.run(0, n); return; }
        int size = (n + chunks - 1) / chunks;
        int count = (n + size - 1) / size;
        AtomicInteger next = new AtomicInteger();
        Runnable task = () -> {
            for (int c; (c = next.getAndIncrement()) < count; ) body.run(c * size, Math.min(n, (c + 1) * size));
        };
        int helpers = Math.min(THREADS - 1, count - 1);
        @SuppressWarnings("unchecked") Future<?>[] fs = new Future<?>[helpers];
        for (int i = 0; i < helpers; i++) fs[i] = POOL.submit(task);
        RuntimeException first = null;
        try {
            IN_WORKER.set(Boolean.TRUE);
            task.run();
        } catch (RuntimeException e) {
            first = e;
        } finally {
            IN_WORKER.set(Boolean.FALSE);
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (first == null) first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                if (first == null) first = new IllegalStateException("interrupted while waiting for CPU workers", e);
            }
        }
        if (first != null) throw first;
    }
}
