package dev.reel.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.server.engine.VideoSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The task pool's order (priority, then FIFO), bound, removal and close. */
class TaskPoolTest {
    private static Job job(long seq, int priority) {
        VideoSpec spec = new VideoSpec("p", "", 48, 64, 5, 16, 2, 1.0, 0, "none");
        return new Job(new JobRecord("video_%032x".formatted(seq), seq, "m", JobStatus.QUEUED, 0, 0, null, null, "1", priority, spec, null, null, null, null));
    }

    @Test void highestPriorityFirstThenSubmissionOrder() throws Exception {
        TaskPool pool = new TaskPool(10);
        Job a = job(1, 0), b = job(2, 5), c = job(3, 0), d = job(4, 5), e = job(5, -3), f = job(6, 0);
        for (Job j : List.of(a, b, c, d, e, f)) assertTrue(pool.offer(j));
        List<Job> order = new ArrayList<>();
        while (pool.size() > 0) order.add(pool.take());
        assertEquals(List.of(b, d, a, c, f, e), order);
    }

    @Test void boundedButRestoredJobsAlwaysFit() {
        TaskPool pool = new TaskPool(2);
        assertTrue(pool.offer(job(1, 0)));
        assertTrue(pool.offer(job(2, 0)));
        assertFalse(pool.offer(job(3, 100)), "full, whatever the priority");
        pool.restore(job(4, 0));
        assertEquals(3, pool.size());
    }

    @Test void removeAndClose() throws Exception {
        TaskPool pool = new TaskPool(5);
        Job a = job(1, 0), b = job(2, 0);
        pool.offer(a);
        pool.offer(b);
        assertTrue(pool.remove(a));
        assertFalse(pool.remove(a));
        assertEquals(b, pool.take());
        // a taker blocked on the empty pool is released by close() with nothing; it is seen blocked before the close
        // (no sleep to guess how long that takes), and a hang shows as a timeout far beyond any machine's speed
        CompletableFuture<Job> taken = new CompletableFuture<>();
        Thread waiter = Thread.ofVirtual().start(() -> {
            try {
                taken.complete(pool.take());
            } catch (Throwable e) {
                taken.completeExceptionally(e);
            }
        });
        while (waiter.getState() != Thread.State.WAITING && !taken.isDone()) Thread.onSpinWait();
        pool.close();
        assertNull(taken.get(10, TimeUnit.MINUTES), "a closed pool hands out nothing");
        assertFalse(pool.offer(job(3, 0)), "a closed pool accepts nothing");
    }
}
