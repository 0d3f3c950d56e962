package dev.reel.server.jobs;

import dev.reel.core.Device;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoEngine.RenderCancelledException;
import dev.reel.server.engine.VideoModel;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * {@code reel worker}: takes jobs from the Redis queue (see {@link RedisQueue}) through its consumer group, one
 * thread and one loaded engine per device, and renders them into the shared data directory.
 *
 * <p>At-least-once, without loss: a job stays pending in the group until its worker acknowledges it after the
 * record is final. While a job runs its worker renews its claim every third of the lease; a job whose claim is
 * older than the lease (its worker was killed) is claimed by another worker ({@code XAUTOCLAIM}) and run again.
 * Results are idempotent: the video is moved into place whole, and a job found already final is only
 * acknowledged. A job started {@code maxAttempts} times without finishing is marked failed.
 */
public final class RedisWorker implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RedisWorker.class);
    /** How long one blocking read of the queue waits before the worker looks for stale jobs again. */
    private static final int READ_BLOCK_MS = 1000;

    private final RedisQueue queue;
    private final VideoModel model;
    private final List<Device> devices;
    private final JobStore files;
    private final String name;
    private final Duration lease;
    private final int maxAttempts;
    private final Duration retention;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean stopping;
    private volatile String loadError;
    private volatile boolean loaded;

    /**
     * @param name        this worker's name (unique among workers, e.g. host + pid)
     * @param lease       how long a job's claim lasts without renewal before another worker may take it
     * @param maxAttempts how often a job may be started before it is failed
     */
    public RedisWorker(URI uri, VideoModel model, List<Device> devices, JobStore files, String name, Duration lease,
                       int maxAttempts, Duration retention) {
        if (lease.toMillis() < 300) throw new dev.reel.core.ReelException("--lease must be at least 0.3 s");
        if (maxAttempts < 1) throw new dev.reel.core.ReelException("--max-attempts must be at least 1");
        this.queue = RedisQueue.connect(uri);
        this.model = model;
        this.devices = List.copyOf(devices);
        this.files = files;
        this.name = name;
        this.lease = lease;
        this.maxAttempts = maxAttempts;
        this.retention = retention;
    }

    /** Starts the heartbeat and one thread per device (each loads the model first). */
    public void start() {
        threads.add(Thread.ofVirtual().name("reel-worker-heartbeat").start(this::heartbeat));
        for (Device d : devices) threads.add(Thread.ofPlatform().name("reel-worker-" + d).start(() -> work(d)));
    }

    private void heartbeat() {
        long ttl = Math.max(2, lease.toSeconds() * 2);
        while (!stopping) {
            try {
                if (loaded && loadError == null) queue.redis.set(RedisQueue.workerKey(name), Instant.now().toString(), SetParams.setParams().ex(ttl));
            } catch (RuntimeException e) {
                log.warn("worker {}: heartbeat failed: {}", name, e.getMessage());
            }
            sleep(Math.max(100, lease.toMillis() / 3));
        }
        try {
            queue.redis.del(RedisQueue.workerKey(name));
        } catch (RuntimeException ignored) {
            // the key expires by itself
        }
    }

    private void work(Device device) {
        String consumer = name + "/" + device;
        VideoEngine engine;
        try {
            engine = model.load(device);
            log.info("worker {}: model {} loaded on {}", name, model.id(), device);
            loaded = true; // from now on the heartbeat tells frontends that jobs can run
        } catch (RuntimeException | Error e) {
            loadError = "loading " + model.id() + " on " + device + " failed: " + e.getMessage();
            log.error(loadError, e);
            return;
        }
        try (engine) {
            while (!stopping) {
                try {
                    StreamEntry e = next(consumer);
                    if (e != null) handle(e, consumer, engine);
                } catch (RuntimeException e) {
                    if (stopping) break;
                    log.warn("worker {}: queue error, retrying: {}", consumer, e.getMessage());
                    sleep(1000);
                }
            }
        }
    }

    /** A job whose claim went stale (its worker died), else a new one; null if none came within the wait. */
    private StreamEntry next(String consumer) {
        var stale = queue.redis.xautoclaim(RedisQueue.QUEUE, RedisQueue.GROUP, consumer, lease.toMillis(),
                new StreamEntryID(0, 0), XAutoClaimParams.xAutoClaimParams().count(1));
        for (StreamEntry e : stale.getValue()) {
            if (e != null && e.getFields() != null) {
                log.info("worker {}: claimed job {} from a worker that stopped renewing it", consumer, e.getFields().get("id"));
                return e;
            }
        }
        var got = queue.redis.xreadGroup(RedisQueue.GROUP, consumer, XReadGroupParams.xReadGroupParams().count(1).block(READ_BLOCK_MS),
                Map.of(RedisQueue.QUEUE, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        if (got == null) return null;
        for (var s : got) for (StreamEntry e : s.getValue()) return e;
        return null;
    }

    private void handle(StreamEntry entry, String consumer, VideoEngine engine) {
        String id = entry.getFields().get("id");
        StreamEntryID msg = entry.getID();
        JobRecord r = id == null || !JobStore.isValidId(id) ? null : queue.load(id);
        if (r == null || queue.cancelled(id) || r.status().terminal()) { // deleted, or finished by an earlier attempt
            ack(msg);
            return;
        }
        long attempt = queue.redis.hincrBy(RedisQueue.ATTEMPTS, id, 1);
        if (attempt > maxAttempts) {
            finish(r.failed(now(), new JobError("worker_lost", "the job was started " + maxAttempts + " times and its worker stopped each time")), msg);
            return;
        }
        JobRecord started = r.started(now());
        queue.save(started);
        queue.publish(JobEvent.status(started));
        log.info("worker {}: running job {} (attempt {})", consumer, id, attempt);
        System.out.flush();
        Thread renew = Thread.ofVirtual().name("reel-lease-" + id).start(() -> renew(consumer, msg));
        try {
            Files.createDirectories(files.dir(id));
            var monitor = new VideoEngine.RenderMonitor() {
                JobRecord current = started;

                @Override public void stage(String stage, Duration took) {}

                @Override public void step(int step, int total, Duration took) {
                    current = current.withProgress(Math.min(99, step * 100 / total));
                    queue.save(current);
                    queue.publish(JobEvent.progress(current, step, total));
                }

                @Override public boolean stopRequested() { return stopping || queue.cancelled(id); }
            };
            VideoEngine.Rendered out = engine.render(started.spec(), files.video(id), files.thumbnail(id), monitor);
            if (queue.cancelled(id)) {
                files.delete(id); // deleted while it ran: drop what it wrote
                ack(msg);
                return;
            }
            finish(monitor.current.completed(now(), out.inference().toNanos() / 1e9,
                    out.cache() == null ? null : JobRecord.TransformerPasses.of(out.cache())), msg);
        } catch (RenderCancelledException e) {
            if (queue.cancelled(id)) ack(msg);
            // else this worker is stopping: the job stays pending and another worker takes it after the lease
        } catch (IOException | RuntimeException | Error e) {
            log.error("worker {}: job {} failed", consumer, id, e);
            finish(started.failed(now(), new JobError("generation_failed", "generation failed: " + ClientMessages.redact(e.getMessage()))), msg);
        } finally {
            renew.interrupt();
        }
    }

    /** Writes the final record, announces it, then acknowledges: a crash in between only repeats the job. */
    private void finish(JobRecord r, StreamEntryID msg) {
        JobRecord done = r.expiringAfter(retention);
        queue.save(done);
        queue.publish(JobEvent.status(done));
        queue.redis.hdel(RedisQueue.ATTEMPTS, r.id());
        ack(msg);
        log.info("worker {}: job {} {}", name, r.id(), done.status().apiName());
    }

    /** Renews this worker's claim on {@code msg} (resets its idle time) until interrupted. */
    private void renew(String consumer, StreamEntryID msg) {
        while (!Thread.currentThread().isInterrupted()) {
            sleep(Math.max(100, lease.toMillis() / 3));
            if (Thread.currentThread().isInterrupted()) return;
            try {
                queue.redis.xclaimJustId(RedisQueue.QUEUE, RedisQueue.GROUP, consumer, 0, XClaimParams.xClaimParams(), msg);
            } catch (RuntimeException e) {
                log.warn("worker {}: cannot renew its claim: {}", consumer, e.getMessage());
            }
        }
    }

    private void ack(StreamEntryID msg) { queue.redis.xack(RedisQueue.QUEUE, RedisQueue.GROUP, msg); }

    /** Why the model did not load, or null. */
    public String loadError() { return loadError; }

    /** Stops taking jobs; a running job is stopped at its next step and left for another worker. */
    @Override public void close() {
        stopping = true;
        for (Thread t : threads) {
            try {
                t.join(Duration.ofSeconds(30));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        queue.close();
    }

    private static long now() { return Instant.now().getEpochSecond(); }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
