package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.engine.VideoSpec;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code /health} is 503 until the model is loaded (jobs are accepted meanwhile), and reports a failed load. */
class HealthTest {
    @TempDir Path dataDir;

    /** The fixture model, whose loading waits for {@code gate} (or fails when {@code gate} is null). */
    private record SlowModel(VideoModel real, CountDownLatch gate) implements VideoModel {
        @Override public String id() { return real.id(); }
        @Override public int defaultSteps() { return real.defaultSteps(); }
        @Override public double defaultGuidance() { return real.defaultGuidance(); }
        @Override public int defaultFps() { return real.defaultFps(); }
        @Override public dev.reel.pipeline.VideoGeometry geometry() { return real.geometry(); }
        @Override public void validate(VideoSpec spec) { real.validate(spec); }

        @Override public VideoEngine load(Device device) {
            if (gate == null) throw new ReelException("weights are damaged");
            try {
                gate.await();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return real.load(device);
        }
    }

    private static ServerConfig config(Path dataDir) {
        return ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5));
    }

    @Test void unavailableUntilLoadedButAcceptingJobs() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        try (ReelServer server = ReelServer.start(config(dataDir), new SlowModel(TestServer.fixtureModel(), gate))) {
            TestServer s = TestServer.attach(server, dataDir);
            HttpResponse<String> loading = s.get("/health");
            assertEquals(503, loading.statusCode());
            assertEquals("loading", json(loading).path("status").asText());
            String id = s.submit(TINY).path("id").asText();
            assertEquals("queued", json(s.get("/v1/videos/" + id)).path("status").asText());

            gate.countDown();
            assertTrue(server.awaitReady(TestServer.PATIENCE));
            assertEquals(200, s.get("/health").statusCode());
            assertEquals("completed", s.awaitDone(id).path("status").asText());
        }
    }

    @Test void aFailedLoadIsReported() throws Exception {
        try (ReelServer server = ReelServer.start(config(dataDir), new SlowModel(TestServer.fixtureModel(), null))) {
            TestServer s = TestServer.attach(server, dataDir);
            assertEquals(false, server.awaitReady(Duration.ofMinutes(1)));
            HttpResponse<String> h = s.get("/health");
            assertEquals(503, h.statusCode());
            assertEquals("error", json(h).path("status").asText());
            assertTrue(json(h).path("error").asText().contains("weights are damaged"), h.body());
        }
    }
}
