package dev.reel.server.jobs;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.ReelException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAddParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The layout of Reel's job queue in Redis, shared by the frontend ({@link RedisJobs}) and the workers
 * ({@link RedisWorker}); every key is named here and nowhere else.
 *
 * <ul>
 *   <li>{@code reel:queue} — a stream, one entry ({@code id}) per submitted job; workers read it through the
 *       consumer group {@code reel-workers}, so each job goes to one worker and stays <em>pending</em> until that
 *       worker acknowledges it; a job whose worker stopped renewing its claim is claimed by another
 *       ({@code XAUTOCLAIM}).</li>
 *   <li>{@code reel:job:<id>} — the job's {@link JobRecord} as JSON (the truth about a job);
 *       {@code reel:index} — a sorted set of ids by submission order; {@code reel:seq} — the order counter.</li>
 *   <li>{@code reel:events} — a stream of every job's events (JSON {@link JobEvent}), which frontends follow.</li>
 *   <li>{@code reel:cancel:<id>} — set when a job is deleted, so its worker stops at the next step.</li>
 *   <li>{@code reel:attempts} — a hash: how often each job was started; {@code reel:worker:<name>} — a worker's
 *       heartbeat, expiring when it stops renewing it.</li>
 * </ul>
 * Videos are not in Redis: they land in a data directory every process shares (a network file system).
 */
final class RedisQueue implements AutoCloseable {
    static final String QUEUE = "reel:queue";
    static final String GROUP = "reel-workers";
    static final String EVENTS = "reel:events";
    static final String INDEX = "reel:index";
    static final String SEQ = "reel:seq";
    static final String ATTEMPTS = "reel:attempts";
    /** Entries the queue and event streams keep (approximately); acknowledged entries beyond it are trimmed. */
    private static final long STREAM_LENGTH = 100_000;
    /** How long a cancel mark outlives the job (a worker that claims the job later still sees it). */
    private static final long CANCEL_TTL_S = 7 * 24 * 3600;

    private static final ObjectMapper JSON = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    final RedisClient redis;
    private final URI uri;

    private RedisQueue(URI uri, RedisClient redis) {
        this.uri = uri;
        this.redis = redis;
    }

    /** Connects to {@code redis://host:port[/db]} and makes sure the consumer group exists. */
    static RedisQueue connect(URI uri) {
        if (uri.getScheme() == null || !(uri.getScheme().equals("redis") || uri.getScheme().equals("rediss")) || uri.getHost() == null) {
            throw new ReelException("--queue " + uri + ": must be redis://HOST:PORT (or rediss:// for TLS)");
        }
        RedisClient c = RedisClient.create(uri);
        try {
            c.ping();
            try {
                c.xgroupCreate(QUEUE, GROUP, new StreamEntryID(0, 0), true);
            } catch (JedisDataException e) {
                if (!String.valueOf(e.getMessage()).startsWith("BUSYGROUP")) throw e;
            }
        } catch (RuntimeException e) {
            c.close();
            throw new ReelException("--queue " + uri + ": cannot reach Redis there (" + e.getMessage() + ")", e);
        }
        return new RedisQueue(uri, c);
    }

    static String recordKey(String id) { return "reel:job:" + id; }

    static String cancelKey(String id) { return "reel:cancel:" + id; }

    static String workerKey(String name) { return "reel:worker:" + name; }

    /** The job's record, or null if it does not exist (never submitted, or deleted). */
    JobRecord load(String id) {
        String s = redis.get(recordKey(id));
        if (s == null) return null;
        try {
            return JSON.readValue(s, JobRecord.class);
        } catch (JsonProcessingException e) {
            throw new ReelException("queue: the record of " + id + " in Redis is not readable: " + e.getOriginalMessage(), e);
        }
    }

    void save(JobRecord r) { redis.set(recordKey(r.id()), json(r)); }

    /**
     * Appends {@code e} to the event stream that frontends follow, without the input pictures: the stream keeps up to
     * {@link #STREAM_LENGTH} entries, one per denoising step, and workers read a job's pictures from its record.
     */
    void publish(JobEvent e) {
        redis.xadd(EVENTS, XAddParams.xAddParams().approximateTrimming().maxLen(STREAM_LENGTH), Map.of("event", json(e.withoutPictures())));
    }

    /** Queues job {@code id} for the workers. */
    void enqueue(String id) {
        redis.xadd(QUEUE, XAddParams.xAddParams().approximateTrimming().maxLen(STREAM_LENGTH), Map.of("id", id));
    }

    /** Marks a job deleted for whichever worker runs it. */
    void cancel(String id) { redis.set(cancelKey(id), "1", SetParams.setParams().ex(CANCEL_TTL_S)); }

    boolean cancelled(String id) { return redis.exists(cancelKey(id)); }

    /** Names of workers whose heartbeat has not expired. */
    List<String> liveWorkers() {
        List<String> out = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams match = new ScanParams().match(workerKey("*")).count(100);
        do {
            ScanResult<String> r = redis.scan(cursor, match);
            for (String k : r.getResult()) out.add(k.substring(workerKey("").length()));
            cursor = r.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return out;
    }

    /** Jobs handed to a worker and not yet acknowledged. */
    long pending() { return redis.xpending(QUEUE, GROUP).getTotal(); }

    /** Jobs in the stream that no worker has taken yet (the group's lag). */
    long waiting() {
        for (var g : redis.xinfoGroups(QUEUE)) {
            if (!g.getName().equals(GROUP)) continue;
            Object lag = g.getGroupInfo().get("lag");
            if (lag instanceof Long l) return l;
        }
        return 0;
    }

    static JobEvent event(String json) {
        try {
            return JSON.readValue(json, JobEvent.class);
        } catch (JsonProcessingException e) {
            throw new ReelException("queue: an event in Redis is not readable: " + e.getOriginalMessage(), e);
        }
    }

    private static String json(Object o) {
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override public String toString() { return uri.toString(); }

    @Override public void close() { redis.close(); }
}
