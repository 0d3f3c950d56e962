package dev.reel.server;

import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Device;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.server.engine.PipelineModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Worker groups: four CPU "devices" as two groups of {@code sp=2} (each job split over two in-process ranks); both
 * groups load, jobs complete, and {@code /health} and {@code /metrics} report each group.
 */
class WorkerGroupsTest {
    @TempDir Path dataDir;

    @Test void twoGroupsOfTwoRanksServeAndReportPerGroup() throws Exception {
        List<Device> group = List.of(Device.CPU, Device.CPU);
        ParallelPlan plan = new ParallelPlan(1, 2);   // the fixture's transformer has 2 heads
        GeneratorOptions options = GeneratorOptions.defaults().withParallel(plan, group);
        ServerConfig config = new ServerConfig("127.0.0.1", 0, dataDir, null, List.of(group, group), 8,
                ServerConfig.DEFAULT_MAX_BODY, Duration.ofSeconds(5), HttpAccess.defaults(), ServerConfig.DEFAULT_RETENTION, null);
        try (ReelServer server = ReelServer.start(config, PipelineModel.pretrained(TestFixtures.locate().pipelineDir(), TestServer.MODEL, options))) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)), server.jobs().loadError());
            TestServer s = TestServer.attach(server, dataDir);
            String a = s.submit(TestServer.TINY).path("id").asText();
            String b = s.submit(TestServer.TINY).path("id").asText();
            assertEquals("completed", s.awaitDone(a, Duration.ofMinutes(2)).path("status").asText());
            assertEquals("completed", s.awaitDone(b, Duration.ofMinutes(2)).path("status").asText());

            JsonNode health = json(s.get("/health"));
            assertEquals("ok", health.path("status").asText());
            JsonNode groups = health.path("groups");
            assertEquals(2, groups.size());
            long finished = 0;
            for (int i = 0; i < 2; i++) {
                assertEquals(i, groups.get(i).path("group").asInt());
                assertEquals("[\"cpu\",\"cpu\"]", groups.get(i).path("devices").toString());
                assertEquals("ok", groups.get(i).path("status").asText());
                finished += groups.get(i).path("jobs_finished").asLong();
            }
            assertEquals(2, finished);

            String metrics = s.get("/metrics").body();
            for (String g : new String[] {"0", "1"}) {
                assertTrue(metrics.contains("reel_worker_ready{devices=\"cpu+cpu\",group=\"" + g + "\"} 1.0"), metrics);
                assertTrue(metrics.contains("reel_worker_busy{devices=\"cpu+cpu\",group=\"" + g + "\"} 0.0"), metrics);
            }
        }
    }
}
