package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bounded queue (429 with Retry-After) and the optional API key. */
class QueueAndAuthTest {
    @TempDir Path dataDir;

    @Test void fullQueueAnswers429WithRetryAfter() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c.withQueueCapacity(1))) {
            String running = s.submit(TestServer.LONG).path("id").asText();
            awaitStatus(s, running, "in_progress");
            String queued = s.submit(TINY).path("id").asText();
            assertEquals("queued", json(s.get("/v1/videos/" + queued)).path("status").asText());

            HttpResponse<String> content = s.get("/v1/videos/" + queued + "/content");
            assertEquals(404, content.statusCode());
            assertEquals("video_not_ready", json(content).path("error").path("code").asText());

            HttpResponse<String> full = s.post("/v1/videos", TINY);
            assertEquals(429, full.statusCode(), full.body());
            assertEquals("5", full.headers().firstValue("Retry-After").orElse(""));
            JsonNode e = json(full).path("error");
            assertEquals("queue_full", e.path("code").asText());
            assertEquals("rate_limit_error", e.path("type").asText());
            assertEquals(2, json(s.get("/v1/videos")).path("data").size(), "the refused job is not kept");
            assertEquals(1, json(s.get("/health")).path("queue_depth").asInt());

            assertEquals(200, s.delete("/v1/videos/" + running).statusCode());
            assertEquals("completed", s.awaitDone(queued).path("status").asText());
            assertEquals(200, s.post("/v1/videos", TINY).statusCode(), "room again once the queue drained");
        }
    }

    @Test void apiKeyGuardsEveryRouteButHealth() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c.withApiKey("s3cret-key"))) {
            assertEquals(200, s.get("/health").statusCode());
            for (String path : new String[] {"/", "/metrics", "/v1/models", "/v1/videos", "/v1/videos/video_" + "0".repeat(32)}) {
                HttpResponse<String> r = s.get(path);
                assertEquals(401, r.statusCode(), path);
                assertEquals("invalid_api_key", json(r).path("error").path("code").asText());
                assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElse(""));
            }
            assertEquals(401, s.send(s.request("/v1/models").header("Authorization", "Bearer wrong").GET().build()).statusCode());
            assertEquals(401, s.send(s.request("/v1/models").header("Authorization", "s3cret-key").GET().build()).statusCode());
            assertEquals(401, s.post("/v1/videos", TINY).statusCode());

            HttpRequest.Builder authed = s.request("/v1/videos").header("Authorization", "Bearer s3cret-key");
            HttpResponse<String> created = s.send(authed.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(TINY)).build());
            assertEquals(200, created.statusCode(), created.body());
            String id = json(created).path("id").asText();
            long deadline = System.nanoTime() + TestServer.PATIENCE.toNanos();
            while (System.nanoTime() < deadline) {
                JsonNode v = json(s.send(s.request("/v1/videos/" + id).header("Authorization", "Bearer s3cret-key").GET().build()));
                if (v.path("status").asText().equals("completed")) return;
                Thread.sleep(100);
            }
            throw new AssertionError("job " + id + " did not complete");
        }
    }

    static void awaitStatus(TestServer s, String id, String status) throws InterruptedException {
        long deadline = System.nanoTime() + TestServer.PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            if (json(s.get("/v1/videos/" + id)).path("status").asText().equals(status)) return;
            Thread.sleep(25);
        }
        throw new AssertionError("job " + id + " never reached " + status);
    }
}
