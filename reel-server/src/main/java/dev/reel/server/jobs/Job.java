package dev.reel.server.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;

/**
 * A live job: its current {@link JobRecord}, the events it has produced (replayed to late subscribers, so a
 * stream opened after submission still sees every step), and its cancellation state. All state changes happen
 * under the job's monitor; {@link JobService} persists each status change while holding it, so a deleted job
 * can never be written back.
 */
public final class Job {
    /** Why a running job is being stopped. */
    enum StopReason { DELETED, SHUTDOWN }

    private final long seq;
    private final int priority;
    private final JobRecord first;
    private JobRecord record;
    private final List<JobEvent> log = new ArrayList<>();
    private final List<BlockingQueue<JobEvent>> subscribers = new ArrayList<>();
    private final CompletableFuture<JobRecord> done = new CompletableFuture<>();
    private volatile StopReason stopReason;

    Job(JobRecord record) {
        this.seq = record.seq();
        this.priority = record.priority();
        this.first = record.withoutPictures(); // what the API shows; the record keeps them until the job finishes
        this.record = record;
        log.add(JobEvent.status(first));
    }

    public String id() { return record().id(); }

    /** Submission order (immutable, read without the monitor by the task pool). */
    long seq() { return seq; }

    /** Scheduling priority (immutable). */
    int priority() { return priority; }

    /** The job's state now. */
    public synchronized JobRecord record() { return record; }

    /** The state the job was created (or recovered) with: what {@code POST /v1/videos} answers. */
    public JobRecord first() { return first; }

    /** Completes with the final record (completed or failed), or exceptionally when the server stops first. */
    public CompletableFuture<JobRecord> done() { return done; }

    /**
     * Registers {@code queue} for this job's events, after first putting every event so far into it; a finished
     * job's stream thus holds its whole history and ends with its final state.
     */
    public synchronized void subscribe(BlockingQueue<JobEvent> queue) {
        queue.addAll(log);
        if (!log.getLast().last()) subscribers.add(queue);
    }

    public synchronized void unsubscribe(BlockingQueue<JobEvent> queue) { subscribers.remove(queue); }

    /** The reason a stop was requested, or null. */
    StopReason stopReason() { return stopReason; }

    /** Asks the job to stop between steps; the first reason wins. */
    synchronized void requestStop(StopReason why) { if (stopReason == null) stopReason = why; }

    /** Moves to {@code next} and announces it with {@code event} (null: the event of {@code next}'s status). */
    synchronized void update(JobRecord next, JobEvent event) {
        record = next;
        JobEvent e = event != null ? event : JobEvent.status(next);
        publish(e);
        if (e.last()) done.complete(next);
    }

    /** Ends open streams and waiters without a final state (the server is stopping, the job stays as it is). */
    synchronized void release() {
        publish(JobEvent.closed(record));
        log.removeLast(); // the job itself goes on after a restart: its history does not end here
        done.completeExceptionally(new ServerStoppingException());
    }

    /** Sends {@code event} to the subscribers and keeps it for replay, without the input pictures. */
    private void publish(JobEvent event) {
        JobEvent e = event.withoutPictures();
        log.add(e);
        for (BlockingQueue<JobEvent> q : subscribers) q.add(e);
        if (e.last()) {
            subscribers.clear();
            // a finished job's replay keeps its status changes and its last step: its memory stays bounded
            // however many steps it ran
            JobEvent lastStep = null;
            for (JobEvent x : log) if (x.type().equals("progress")) lastStep = x;
            JobEvent keep = lastStep;
            log.removeIf(x -> x.type().equals("progress") && x != keep);
        }
    }

    /** Open event streams and waiters on this job. */
    synchronized int subscriberCount() { return subscribers.size(); }

    /** Events a late subscriber is replayed (for tests of the bound). */
    synchronized int replayLength() { return log.size(); }

    /** Thrown to waiters of {@link #done()} when the server stops before the job finished. */
    public static final class ServerStoppingException extends RuntimeException {
        ServerStoppingException() { super("the server is stopping; the job stays queued and runs after a restart"); }
    }
}
