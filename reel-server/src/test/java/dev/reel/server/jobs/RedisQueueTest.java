package dev.reel.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.reel.server.RedisServer;
import dev.reel.server.engine.VideoSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;

/**
 * What a job leaves in a real Redis: its record keeps the input pictures while it may run (a worker reads them from
 * there), the event stream, one entry per denoising step of every job, never carries them.
 */
class RedisQueueTest {
    private static final String PICTURE = JobPicturesTest.FIRST;

    @TempDir Path dir;

    @Test void theRecordKeepsThePicturesAndTheEventsDoNot() throws Exception {
        RedisServer.assumeInstalled();
        try (RedisServer server = RedisServer.start(dir.resolve("redis")); RedisQueue queue = RedisQueue.connect(server.uri())) {
            VideoSpec spec = new VideoSpec("p", "", 48, 64, 5, 16, 2, 1.0, 0, "none", PICTURE, PICTURE, null);
            JobRecord running = new JobRecord("video_%032x".formatted(7), 1, "m", JobStatus.QUEUED, 0, 0, null, null, "1", 0, spec, null, null, null, null)
                    .started(1).withProgress(50);
            queue.save(running);
            queue.publish(JobEvent.status(running));
            queue.publish(JobEvent.progress(running, 1, 2));

            assertEquals(PICTURE, queue.load(running.id()).spec().inputReference(), "a worker takes the picture from the record");
            List<StreamEntry> events = queue.redis.xrange(RedisQueue.EVENTS, (StreamEntryID) null, (StreamEntryID) null);
            assertEquals(2, events.size());
            for (StreamEntry e : events) {
                JobEvent event = RedisQueue.event(e.getFields().get("event"));
                assertEquals("p", event.state().spec().prompt());
                assertNull(event.state().spec().inputReference(), event.type());
                assertNull(event.state().spec().lastImage(), event.type());
            }
        }
    }
}
