package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.pipeline.media.VideoProbe;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Jobs survive a restart: completed ones are listed and download, queued ones run, one running at a graceful
 * stop or at a crash is failed as {@code interrupted}; leftovers of a half-deleted job are cleaned up.
 */
class RestartTest {
    @TempDir Path dataDir;
    @TempDir Path scratch;

    @Test void jobsSurviveAStopAndACrash() throws Exception {
        List<String> completed = new ArrayList<>();
        String interrupted, queued;
        try (TestServer s = TestServer.start(dataDir, c -> c.withShutdownGrace(Duration.ofMillis(500)))) {
            for (int i = 0; i < 2; i++) completed.add(s.submit(TINY.replace("\"seed\": 7", "\"seed\": " + i)).path("id").asText());
            for (String id : completed) assertEquals("completed", s.awaitDone(id).path("status").asText());
            interrupted = s.submit(TestServer.LONG).path("id").asText();
            QueueAndAuthTest.awaitStatus(s, interrupted, "in_progress");
            queued = s.submit(TINY).path("id").asText();

            // graceful stop: new work is refused at once while the running job gets its grace, then is stopped
            // between steps; the queued one stays queued
            Thread closer = Thread.ofVirtual().start(s::close);
            HttpResponse<String> health;
            while ((health = s.get("/health")).statusCode() == 200) Thread.sleep(5);
            assertEquals(503, health.statusCode());
            assertEquals("stopping", json(health).path("status").asText());
            HttpResponse<String> refused = s.post("/v1/videos", TINY);
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("shutting_down", json(refused).path("error").path("code").asText());
            closer.join();
        }

        Path jobs = dataDir.resolve("jobs");
        // a crash while a job ran: its record still says in_progress
        String crashed = "video_" + "c".repeat(32);
        Path crashedDir = Files.createDirectories(jobs.resolve(crashed));
        ObjectNode rec = (ObjectNode) TestServer.JSON.readTree(jobs.resolve(queued).resolve("job.json").toFile());
        rec.put("id", crashed).put("status", "in_progress").put("seq", -1);
        TestServer.JSON.writeValue(crashedDir.resolve("job.json").toFile(), rec);
        // a crash in the middle of a delete: the record is gone, the video is not
        Path halfDeleted = Files.createDirectories(jobs.resolve("video_" + "d".repeat(32)));
        Files.write(halfDeleted.resolve("video.mp4"), new byte[] {1, 2, 3});
        // a damaged record is skipped, not fatal
        Path damaged = Files.createDirectories(jobs.resolve("video_" + "e".repeat(32)));
        Files.writeString(damaged.resolve("job.json"), "{\"id\": \"video_eee");

        try (TestServer s = TestServer.start(dataDir, c -> c)) {
            for (String id : completed) {
                JsonNode v = json(s.get("/v1/videos/" + id));
                assertEquals("completed", v.path("status").asText());
                HttpResponse<byte[]> mp4 = s.getBytes("/v1/videos/" + id + "/content");
                assertEquals(200, mp4.statusCode());
                VideoProbe p = VideoProbe.of(TestServer.tempFile(scratch, id + ".mp4", mp4.body()));
                assertEquals(5, p.frames());
                assertEquals(48, p.width());
                assertEquals(64, p.height());
                assertEquals(200, s.getBytes("/v1/videos/" + id + "/content?variant=thumbnail").statusCode());
            }
            for (String id : new String[] {interrupted, crashed}) {
                JsonNode v = json(s.get("/v1/videos/" + id));
                assertEquals("failed", v.path("status").asText(), v.toString());
                assertEquals("interrupted", v.path("error").path("code").asText(), v.toString());
            }
            assertEquals("completed", s.awaitDone(queued).path("status").asText(), "the queued job ran after the restart");
            assertFalse(Files.exists(halfDeleted), "the half-deleted job's leftovers are removed");
            assertTrue(Files.exists(damaged.resolve("job.json")), "a damaged record is left for a person to look at");

            String fresh = s.submit(TINY).path("id").asText();
            JsonNode list = json(s.get("/v1/videos?limit=100"));
            assertEquals(fresh, list.path("data").path(0).path("id").asText(), "new jobs come first: ordering continues across restarts");
            List<String> listed = new ArrayList<>();
            list.path("data").forEach(v -> listed.add(v.path("id").asText()));
            assertEquals(List.of(fresh, queued, interrupted, completed.get(1), completed.get(0), crashed), listed);
        }
    }
}
