package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Finished jobs carry {@code expires_at} and are deleted with their files once it has passed. */
class RetentionTest {
    @TempDir Path dataDir;

    @Test void finishedJobsExpire() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c.withRetention(Duration.ofSeconds(1)))) {
            String id = s.submit(TINY).path("id").asText();
            JsonNode done = s.awaitDone(id, Duration.ofMinutes(2));
            assertEquals("completed", done.path("status").asText());
            assertEquals(done.path("completed_at").asLong() + 1, done.path("expires_at").asLong(), done.toString());
            // the sweeper runs every second: within a generous bound the job and its folder are gone
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (s.get("/v1/videos/" + id).statusCode() != 404 && System.nanoTime() < deadline) Thread.sleep(100);
            assertEquals(404, s.get("/v1/videos/" + id).statusCode());
            assertFalse(Files.exists(dataDir.resolve("jobs").resolve(id)));
        }
    }

    @Test void retentionZeroKeepsJobsForever() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c.withRetention(Duration.ZERO))) {
            String id = s.submit(TINY).path("id").asText();
            JsonNode done = s.awaitDone(id, Duration.ofMinutes(2));
            assertTrue(done.path("expires_at").isNull(), done.toString());
        }
    }
}
