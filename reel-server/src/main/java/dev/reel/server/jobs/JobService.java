package dev.reel.server.jobs;

import dev.reel.core.Device;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoEngine.RenderCancelledException;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.engine.VideoSpec;
import dev.reel.server.metrics.ServerMetrics;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The serving runtime of DESIGN.md: jobs are submitted into the {@link TaskPool}, the {@link JobScheduler} hands
 * them to one worker per device group, workers render them with a {@link VideoEngine} and the results land in the
 * {@link JobStore}. Every status change is written to disk before it is announced.
 *
 * <p>Restart: jobs found queued are queued again in their old order; a job found {@code in_progress} was cut off
 * by a crash or a forced stop and is marked failed with code {@code interrupted} (re-running it could crash the
 * server again in a loop; the client can resubmit).
 */
public final class JobService implements Jobs {
    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobStore store;
    private final TaskPool pool;
    private final JobScheduler scheduler;
    private final ServerMetrics metrics;
    private final String modelId;
    private final Map<String, Job> jobs = new ConcurrentHashMap<>();
    private final Map<String, Job> running = new ConcurrentHashMap<>();
    private final AtomicLong nextSeq = new AtomicLong();
    private volatile boolean stopping;
    private final Duration retention;
    private final Thread sweeper;

    /**
     * Opens the store, recovers its jobs and starts the workers (which load the model in the background).
     *
     * @param queueCapacity most jobs waiting for a worker before submissions get {@link QueueFullException}
     */
    public JobService(JobStore store, VideoModel model, List<List<Device>> workerGroups, int queueCapacity, Duration retention, ServerMetrics metrics) {
        this.store = store;
        this.retention = retention;
        this.pool = new TaskPool(queueCapacity);
        this.metrics = metrics;
        this.modelId = model.id();
        this.scheduler = new JobScheduler(pool, model, workerGroups, this::run);
        recover();
        metrics.queueDepth(pool::size);
        for (WorkerGroup g : scheduler.groups()) metrics.workerGroup(g);
        for (JobStatus s : JobStatus.values()) metrics.jobs(s.apiName(), () -> count(s));
        scheduler.start();
        if (!retention.isZero()) {
            sweeper = Thread.ofVirtual().name("reel-retention").start(this::sweepForever);
        } else {
            sweeper = null;
        }
    }

    /** {@code r} (a finished record) with its expiry set from the retention. */
    private JobRecord ended(JobRecord r) { return r.expiringAfter(retention); }

    /** Deletes expired jobs every tenth of the retention (at least every second, at most every minute). */
    private void sweepForever() {
        long periodMs = Math.clamp(retention.toMillis() / 10, 1000, 60_000);
        try {
            while (!stopping) {
                sweepExpired(now());
                Thread.sleep(periodMs);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Deletes every finished job whose expiry is at or before {@code now}, with its files. */
    void sweepExpired(long now) {
        for (Job job : jobs.values()) {
            JobRecord r = job.record();
            Long at = r.expiresAt() != null ? r.expiresAt() : r.status().terminal() ? ended(r).expiresAt() : null;
            if (at == null || at > now) continue;
            synchronized (job) {
                if (jobs.remove(r.id(), job)) {
                    deleteQuietly(r.id());
                    log.info("job {} expired (finished {} s ago), deleted", r.id(), now - r.completedAt());
                }
            }
        }
    }

    private void recover() {
        long now = now();
        List<JobRecord> found = store.loadAll().stream().sorted(Comparator.comparingLong(JobRecord::seq)).toList();
        int requeued = 0, interrupted = 0;
        for (JobRecord r : found) {
            nextSeq.set(Math.max(nextSeq.get(), r.seq() + 1));
            if (r.status() == JobStatus.IN_PROGRESS) {
                r = ended(r.failed(now, new JobError("interrupted", "the server stopped while this job was running; submit it again")));
                store.save(r);
                interrupted++;
            } else if (r.status() == JobStatus.COMPLETED && !Files.exists(store.video(r.id()))) {
                r = ended(r.failed(now, new JobError("output_missing", "the video file of this job is missing from the data dir")));
                store.save(r);
            }
            Job job = new Job(r);
            jobs.put(r.id(), job);
            if (r.status() == JobStatus.QUEUED) {
                pool.restore(job);
                requeued++;
            }
        }
        if (!found.isEmpty()) {
            log.info("job store: {} jobs recovered, {} queued again, {} marked interrupted", found.size(), requeued, interrupted);
        }
    }

    /**
     * Accepts a job: writes it to disk as queued and puts it in the task pool.
     *
     * @throws QueueFullException when the pool is full (nothing is kept)
     * @throws Job.ServerStoppingException when the server is stopping
     */
    @Override public Job submit(VideoSpec spec, String seconds, int priority) {
        if (stopping) throw new Job.ServerStoppingException();
        JobRecord r = new JobRecord(JobStore.newId(), nextSeq.getAndIncrement(), modelId, JobStatus.QUEUED, 0, now(), null, null,
                seconds, priority, spec, null, null, null, null);
        Job job = new Job(r);
        synchronized (job) { // a worker can take the job only once it is fully recorded
            store.save(r);
            jobs.put(r.id(), job);
            if (!pool.offer(job)) {
                jobs.remove(r.id());
                store.delete(r.id());
                throw stopping ? new Job.ServerStoppingException() : new QueueFullException(pool.size());
            }
        }
        metrics.submitted();
        return job;
    }


    /** The job with this id, if it exists; ids of the wrong shape simply match nothing. */
    @Override public Optional<Job> find(String id) {
        return JobStore.isValidId(id) ? Optional.ofNullable(jobs.get(id)) : Optional.empty();
    }

    /**
     * Up to {@code limit} jobs, newest first, starting after the job {@code after} (exclusive) when given.
     *
     * @return the page and whether older jobs remain
     */
    @Override public Page list(int limit, Job after) {
        long below = after == null ? Long.MAX_VALUE : after.seq();
        List<JobRecord> older = jobs.values().stream()
                .filter(j -> j.seq() < below)
                .sorted(Comparator.comparingLong(Job::seq).reversed())
                .limit(limit + 1L)
                .map(Job::record)
                .toList();
        boolean more = older.size() > limit;
        return new Page(more ? older.subList(0, limit) : older, more);
    }


    /**
     * Deletes a job and its files. A queued job leaves the queue at once; a running one is stopped by its worker
     * at the next step boundary (its stream then ends with a {@code cancelled} failure).
     *
     * @return false if there is no such job
     */
    @Override public boolean delete(String id) {
        Job job = find(id).orElse(null);
        if (job == null) return false;
        boolean wasQueued = pool.remove(job);
        synchronized (job) {
            if (jobs.remove(id) == null) return false; // deleted by a concurrent request
            job.requestStop(Job.StopReason.DELETED);
            store.delete(id);
            if (wasQueued) {
                job.update(ended(job.record().failed(now(), new JobError("cancelled", "deleted while queued"))), null);
                metrics.finished("cancelled");
            }
            // a running job is announced by its worker when it stops; a finished one just goes away
        }
        return true;
    }

    /**
     * Runs one job on a worker's engine. Never throws: whatever goes wrong (the render, or writing the job's
     * record) fails this job and leaves the worker free for the next one.
     */
    private void run(Job job, VideoEngine engine) {
        String id = job.id();
        JobRecord started;
        synchronized (job) {
            if (job.stopReason() != null) { // deleted between leaving the queue and starting
                job.update(ended(job.record().failed(now(), new JobError("cancelled", "deleted while queued"))), null);
                metrics.finished("cancelled");
                return;
            }
            started = job.record().started(now());
            if (!persist(started)) {
                finishUnrecorded(job);
                return;
            }
            job.update(started, null);
        }
        running.put(id, job);
        long t0 = System.nanoTime();
        try {
            VideoEngine.Rendered out = engine.render(started.spec(), store.video(id), store.thumbnail(id), monitor(job));
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            synchronized (job) {
                if (job.stopReason() == Job.StopReason.DELETED) {
                    deleteQuietly(id); // it finished while being deleted: drop what it wrote
                    job.update(ended(job.record().failed(now(), new JobError("cancelled", "deleted while running"))), null);
                    metrics.finished("cancelled");
                    return;
                }
                JobRecord done = ended(job.record().completed(now(), out.inference().toNanos() / 1e9,
                        out.cache() == null ? null : JobRecord.TransformerPasses.of(out.cache())));
                if (!persist(done)) {
                    finishUnrecorded(job);
                    return;
                }
                job.update(done, null);
            }
            metrics.generation(took);
            metrics.finished("completed");
            log.info("job {} completed in {} ms", id, took.toMillis());
        } catch (RuntimeException | Error e) {
            stopped(job, e);
        } finally {
            running.remove(id);
        }
    }

    private void stopped(Job job, Throwable e) {
        String id = job.id();
        synchronized (job) {
            Job.StopReason why = job.stopReason();
            String how = e instanceof RenderCancelledException ? e.getMessage() : "stopped";
            if (why == Job.StopReason.DELETED) {
                deleteQuietly(id);
                job.update(ended(job.record().failed(now(), new JobError("cancelled", "deleted while running: " + how))), null);
                metrics.finished("cancelled");
            } else if (why == Job.StopReason.SHUTDOWN) {
                JobRecord r = ended(job.record().failed(now(), new JobError("interrupted", "the server shut down while this job was running (" + how + "); submit it again")));
                persist(r);
                job.update(r, null);
                metrics.finished("interrupted");
            } else {
                log.error("job {} failed", id, e);
                // the client sees the reason without server paths; the log above has the whole message
                JobRecord r = ended(job.record().failed(now(), new JobError("generation_failed", "generation failed: " + ClientMessages.redact(e.getMessage()))));
                persist(r);
                job.update(r, null);
                metrics.finished("failed");
            }
        }
    }

    /** Writes {@code r}; false (logged) if the store cannot, e.g. the data dir became read-only. */
    private boolean persist(JobRecord r) {
        try {
            store.save(r);
            return true;
        } catch (RuntimeException e) {
            log.error("job {}: cannot write its record: {}", r.id(), e.getMessage());
            return false;
        }
    }

    private void deleteQuietly(String id) {
        try {
            store.delete(id);
        } catch (RuntimeException e) {
            log.error("job {}: cannot delete its files: {}", id, e.getMessage());
        }
    }

    /**
     * The job's record could not be written: it fails in memory (clients polling it see why) and on disk it stays
     * as it was, so a restart recovers it by the usual rules.
     */
    private void finishUnrecorded(Job job) {
        job.update(ended(job.record().failed(now(), new JobError("store_failed",
                "the server could not write this job's record to its data dir; see the server log"))), null);
        metrics.finished("failed");
    }

    private VideoEngine.RenderMonitor monitor(Job job) {
        return new VideoEngine.RenderMonitor() {
            @Override public void stage(String name, Duration took) { metrics.stage(name, took); }

            @Override public void step(int step, int total, Duration took) {
                metrics.step(took);
                synchronized (job) {
                    if (job.stopReason() != null) return;
                    // the last percent is reached only when the video is written
                    JobRecord r = job.record().withProgress(Math.min(99, step * 100 / total));
                    job.update(r, JobEvent.progress(r, step, total));
                }
            }

            @Override public boolean stopRequested() { return job.stopReason() != null; }
        };
    }

    @Override public List<String> workers() { return scheduler.deviceNames(); }

    @Override public long pending() { return running.size(); }

    /** Jobs known in {@code status}. */
    public long count(JobStatus status) {
        return jobs.values().stream().filter(j -> j.record().status() == status).count();
    }

    /** How many queued jobs run before {@code job} (0: next), or -1 when it is not queued. */
    @Override public int queuePosition(Job job) { return pool.position(job); }

    /** Jobs waiting for a worker. */
    @Override public int queueDepth() { return pool.size(); }

    /** Whether every worker has loaded the model. */
    @Override public boolean ready() { return scheduler.ready(); }

    /** The worker groups, each with its devices and state (for {@code /health}). */
    @Override public List<WorkerGroup> groups() { return scheduler.groups(); }

    /** Why the model failed to load, or null. */
    @Override public String loadError() { return scheduler.loadError(); }

    /** Waits until the model is loaded everywhere (or failed somewhere); true when ready. */
    @Override public boolean awaitReady(Duration timeout) throws InterruptedException { return scheduler.awaitLoaded(timeout); }

    /** Whether {@link #shutdown} has begun. */
    @Override public boolean stopping() { return stopping; }

    /**
     * Stops gracefully: accepts nothing more, lets running jobs finish for up to {@code grace}, then stops them
     * at their next step (they fail as {@code interrupted}); queued jobs stay queued on disk. Open event streams
     * and waiting requests of unfinished jobs are released.
     */
    @Override public void shutdown(Duration grace) {
        stopping = true;
        if (sweeper != null) sweeper.interrupt();
        pool.close();
        try {
            if (!scheduler.awaitStopped(grace)) {
                for (Job j : running.values()) j.requestStop(Job.StopReason.SHUTDOWN);
                if (!scheduler.awaitStopped(grace)) {
                    log.warn("shutdown: {} job(s) did not stop within {} s; they are recovered as interrupted on the next start",
                            running.size(), grace.toSeconds());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Job j : jobs.values()) {
            synchronized (j) {
                if (!j.record().status().terminal()) j.release();
            }
        }
    }

    private static long now() { return Instant.now().getEpochSecond(); }
}
