package dev.reel.core.dist;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * Runs one thread per rank (the process model: one JVM drives all its local devices). When a rank fails, the others'
 * groups are aborted so no rank waits forever in a collective, and the first real failure is rethrown (not the
 * {@link CommunicatorAbortedException}s it caused).
 */
public final class RankThreads implements AutoCloseable {
    private final ExecutorService pool;

    /** A pool of {@code ranks} long-lived threads named {@code reel-rank-N}. */
    public RankThreads(int ranks) {
        int[] next = {0};
        this.pool = Executors.newFixedThreadPool(ranks, r -> {
            Thread t = new Thread(r, "reel-rank-" + next[0]++);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Runs {@code body} for every rank, each on its own thread, and returns the results in rank order.
     *
     * @throws RuntimeException the first failure of any rank (aborted collectives reported only if nothing else failed)
     */
    public <T> List<T> run(List<RankContext> ranks, Function<RankContext, T> body) {
        List<Future<T>> fs = new ArrayList<>();
        for (RankContext rc : ranks) {
            fs.add(pool.submit(() -> {
                try {
                    return body.apply(rc);
                } catch (RuntimeException | Error e) {
                    for (RankContext other : ranks) other.abort();
                    throw e;
                }
            }));
        }
        List<T> out = new ArrayList<>();
        RuntimeException first = null;
        for (Future<T> f : fs) {
            try {
                out.add(f.get());
            } catch (ExecutionException e) {
                RuntimeException re = e.getCause() instanceof RuntimeException r ? r
                        : e.getCause() instanceof Error err ? new IllegalStateException(err.toString(), err) : new IllegalStateException(e.getCause());
                if (first == null || first instanceof CommunicatorAbortedException) first = re;
                out.add(null);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                for (RankContext other : ranks) other.abort();
                if (first == null) first = new CommunicatorAbortedException("interrupted while waiting for the ranks", e);
            }
        }
        if (first != null) throw first;
        return out;
    }

    @Override public void close() { pool.shutdownNow(); }
}
