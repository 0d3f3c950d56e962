package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job store failing under a running server, and records that are valid JSON but no job: the worker fails
 * the one job and goes on; the server starts and skips what it cannot read.
 */
class StoreFaultsTest {
    @TempDir Path dataDir;

    @Test void aRecordThatCannotBeWrittenFailsItsJobAndTheWorkerGoesOn() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c)) {
            String blocker = s.submit(TestServer.LONG).path("id").asText();
            QueueAndAuthTest.awaitStatus(s, blocker, "in_progress");
            String victim = s.submit(TINY).path("id").asText();
            // a folder where the record's temporary file goes: the atomic write fails, even for root (a
            // read-only or immutable folder would not stop root)
            Path jobDir = dataDir.resolve("jobs").resolve(victim);
            Files.createDirectories(jobDir.resolve("job.json.tmp").resolve("x"));
            assertEquals(200, s.delete("/v1/videos/" + blocker).statusCode());

            JsonNode failed = s.awaitDone(victim, Duration.ofMinutes(2));
            assertEquals("failed", failed.path("status").asText(), failed.toString());
            assertEquals("store_failed", failed.path("error").path("code").asText());
            assertFalse(failed.path("error").path("message").asText().contains(dataDir.toString()), failed.toString());

            String next = s.submit(TINY.replace("\"seed\": 7", "\"seed\": 8")).path("id").asText();
            assertEquals("completed", s.awaitDone(next, Duration.ofMinutes(2)).path("status").asText());
            assertEquals(200, s.get("/health").statusCode());
        }
    }

    @Test void recordsThatAreValidJsonButNoJobAreSkipped() throws Exception {
        String[] notRecords = {"null", "[]", "42", "\"video\"", "{}", "{\"id\": null}", "true"};
        for (int i = 0; i < notRecords.length; i++) {
            Path d = Files.createDirectories(dataDir.resolve("jobs").resolve("video_" + Integer.toHexString(10 + i).repeat(32).substring(0, 32)));
            Files.writeString(d.resolve("job.json"), notRecords[i]);
        }
        try (TestServer s = TestServer.start(dataDir, c -> c)) {
            assertEquals(200, s.get("/health").statusCode());
            assertEquals(0, json(s.get("/v1/videos")).path("data").size());
            String id = s.submit(TINY).path("id").asText();
            assertEquals("completed", s.awaitDone(id, Duration.ofMinutes(2)).path("status").asText());
        }
        assertTrue(Files.exists(dataDir.resolve("jobs")));
    }
}
