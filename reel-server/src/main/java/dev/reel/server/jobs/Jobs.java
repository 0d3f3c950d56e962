package dev.reel.server.jobs;

import dev.reel.server.engine.VideoSpec;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The job runtime the HTTP layer talks to: in-process ({@link JobService}: task pool, local workers, disk store)
 * or a frontend over Redis Streams ({@link RedisJobs}, workers elsewhere). The API is the same for both.
 */
public interface Jobs {
    /**
     * Accepts a job and queues it.
     *
     * @throws QueueFullException when too many jobs wait (nothing is kept)
     * @throws Job.ServerStoppingException when the server is stopping
     */
    Job submit(VideoSpec spec, String seconds, int priority);

    /** The job with this id, if it exists; ids of the wrong shape match nothing. */
    Optional<Job> find(String id);

    /** Up to {@code limit} jobs, newest first, after the job {@code after} (exclusive) when given. */
    Page list(int limit, Job after);

    /** Deletes a job and its files, stopping it first if it runs; false if there is no such job. */
    boolean delete(String id);

    /** Jobs waiting for a worker. */
    int queueDepth();

    /** Whether jobs can run: the model is loaded on every local worker, or remote workers are alive. */
    boolean ready();

    /** Why jobs cannot run (a load failure, a dead worker, no workers, the queue unreachable), or null. */
    String loadError();

    /** Waits until {@link #ready} (or a failure); true when ready. */
    boolean awaitReady(Duration timeout) throws InterruptedException;

    /** Whether {@link #shutdown} has begun. */
    boolean stopping();

    /** Stops gracefully: accepts nothing more, gives running local jobs {@code grace}, releases waiters. */
    void shutdown(Duration grace);

    /** The workers that take jobs: local devices, or remote workers with a live heartbeat. */
    List<String> workers();

    /** Jobs a worker has taken and not finished yet. */
    long pending();

    /** A page of {@link #list}. */
    record Page(List<JobRecord> jobs, boolean hasMore) {}

    /** Too many jobs wait for a worker. */
    final class QueueFullException extends RuntimeException {
        public QueueFullException(long waiting) { super("the queue is full (" + waiting + " jobs waiting); retry later"); }
    }
}
