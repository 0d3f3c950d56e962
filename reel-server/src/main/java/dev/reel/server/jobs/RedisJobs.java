package dev.reel.server.jobs;

import dev.reel.server.engine.VideoSpec;
import dev.reel.server.metrics.ServerMetrics;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XReadParams;
import redis.clients.jedis.resps.StreamEntry;

/**
 * The frontend's job runtime when jobs run elsewhere ({@code reel serve --queue redis://…}): submissions go onto
 * the Redis stream that {@code reel worker}s consume, job records and events live in Redis (see
 * {@link RedisQueue}), and videos in the shared data directory. The frontend keeps no state of its own: a
 * restarted one sees every job. It follows the event stream so that waiting requests and event streams of its
 * clients see progress live.
 *
 * <p>Unlike the in-process runtime, jobs run in submission order whatever their priority (a stream is FIFO), and
 * {@code --retention} is not applied (finished jobs stay until deleted).
 */
public final class RedisJobs implements Jobs {
    private static final Logger log = LoggerFactory.getLogger(RedisJobs.class);

    private final RedisQueue queue;
    private final JobStore files;
    private final String modelId;
    private final int capacity;
    private final Map<String, Job> live = new ConcurrentHashMap<>();
    private final Thread follower;
    private volatile boolean stopping;
    private volatile String queueError;

    /** Connects to the queue at {@code uri}; videos are read from {@code files} (the shared data directory). */
    public RedisJobs(URI uri, JobStore files, String modelId, int capacity, ServerMetrics metrics) {
        this.queue = RedisQueue.connect(uri);
        this.files = files;
        this.modelId = modelId;
        this.capacity = capacity;
        metrics.queueDepth(this::queueDepth);
        metrics.workers(() -> safely(() -> (long) queue.liveWorkers().size()));
        metrics.pending(() -> safely(queue::pending));
        this.follower = Thread.ofVirtual().name("reel-queue-events").start(this::follow);
        log.info("job queue: Redis at {}, {} worker(s) alive", uri, queue.liveWorkers().size());
    }

    @Override public Job submit(VideoSpec spec, String seconds, int priority) {
        if (stopping) throw new Job.ServerStoppingException();
        long waiting = queue.waiting();
        if (waiting >= capacity) throw new QueueFullException(waiting);
        long seq = queue.redis.incr(RedisQueue.SEQ);
        String id = JobStore.newId();
        JobRecord r = new JobRecord(id, seq, modelId, JobStatus.QUEUED, 0, Instant.now().getEpochSecond(), null, null,
                seconds, priority, spec, null, null, null, null);
        Job job = new Job(r);
        live.put(id, job); // before the workers can see it, so no event of it is missed
        queue.save(r);
        queue.redis.zadd(RedisQueue.INDEX, seq, id);
        queue.enqueue(id);
        return job;
    }

    @Override public Optional<Job> find(String id) {
        if (!JobStore.isValidId(id)) return Optional.empty();
        Job j = live.get(id);
        if (j != null) return Optional.of(j);
        JobRecord r = queue.load(id);
        if (r == null) return Optional.empty();
        return Optional.of(live.computeIfAbsent(id, k -> new Job(r)));
    }

    @Override public Page list(int limit, Job after) {
        double below = after == null ? Double.POSITIVE_INFINITY : after.seq();
        // exclusive upper bound: "(" + seq
        List<String> ids = queue.redis.zrevrangeByScore(RedisQueue.INDEX, after == null ? "+inf" : "(" + (long) below, "-inf", 0, limit + 1);
        List<JobRecord> out = new ArrayList<>();
        for (String id : ids) find(id).ifPresent(j -> out.add(j.record()));
        boolean more = out.size() > limit;
        return new Page(more ? out.subList(0, limit) : out, more);
    }

    @Override public boolean delete(String id) {
        Job job = find(id).orElse(null);
        if (job == null) return false;
        queue.cancel(id); // the worker running it stops at its next step
        queue.redis.del(RedisQueue.recordKey(id));
        queue.redis.zrem(RedisQueue.INDEX, id);
        queue.redis.hdel(RedisQueue.ATTEMPTS, id);
        files.delete(id);
        synchronized (job) {
            live.remove(id);
            job.requestStop(Job.StopReason.DELETED);
            if (!job.record().status().terminal()) {
                job.update(job.record().failed(Instant.now().getEpochSecond(), new JobError("cancelled", "deleted")), null);
            }
        }
        return true;
    }

    /** Applies the events workers publish to the jobs this frontend holds. */
    private void follow() {
        StreamEntryID last = StreamEntryID.XREAD_NEW_ENTRY;
        while (!stopping) {
            try {
                var got = queue.redis.xread(XReadParams.xReadParams().block(1000).count(500), Map.of(RedisQueue.EVENTS, last));
                queueError = null;
                if (got == null) continue;
                for (var stream : got) {
                    for (StreamEntry e : stream.getValue()) {
                        last = e.getID();
                        apply(RedisQueue.event(e.getFields().get("event")));
                    }
                }
            } catch (RuntimeException e) {
                if (stopping) return;
                queueError = "the job queue at " + queue + " is unreachable: " + e.getMessage();
                log.warn(queueError);
                sleep(1000);
            }
        }
    }

    private void apply(JobEvent e) {
        Job job = live.get(e.state().id());
        if (job == null) return; // nobody here looks at it; its record in Redis is the truth
        synchronized (job) {
            if (job.record().status().terminal()) return; // deleted here meanwhile, or a late duplicate
            job.update(e.state(), e);
        }
        if (e.last() && job.subscriberCount() == 0) live.remove(e.state().id(), job); // re-read from Redis when asked
    }

    /** Not known in queue mode: the stream does not say where an entry stands among the undelivered ones. */
    @Override public int queuePosition(Job job) { return -1; }

    @Override public int queueDepth() { return (int) Math.min(Integer.MAX_VALUE, safely(queue::waiting)); }

    @Override public boolean ready() { return loadError() == null; }

    @Override public String loadError() {
        if (queueError != null) return queueError;
        try {
            return queue.liveWorkers().isEmpty() ? "no reel worker is connected to the queue at " + queue : null;
        } catch (RuntimeException e) {
            return "the job queue at " + queue + " is unreachable: " + e.getMessage();
        }
    }

    /** Workers with a live heartbeat. */
    @Override public List<String> workers() { return safelyList(queue::liveWorkers); }

    /** Jobs a worker has taken and not yet finished. */
    @Override public long pending() { return safely(queue::pending); }

    @Override public boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!ready()) {
            if (System.nanoTime() > deadline) return false;
            Thread.sleep(200);
        }
        return true;
    }

    @Override public boolean stopping() { return stopping; }

    @Override public void shutdown(Duration grace) {
        stopping = true;
        follower.interrupt();
        for (Job j : live.values()) {
            synchronized (j) {
                if (!j.record().status().terminal()) j.release();
            }
        }
        queue.close();
    }

    private static long safely(java.util.function.LongSupplier f) {
        try {
            return f.getAsLong();
        } catch (RuntimeException e) {
            return -1;
        }
    }

    private static List<String> safelyList(java.util.function.Supplier<List<String>> f) {
        try {
            return f.get();
        } catch (RuntimeException e) {
            return List.of();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
