package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Requests the served model can never run are refused at submission, naming the model's limit, and nothing is
 * queued: the fixture's rotary tables cover 32 positions per axis (512 px at ×8 × patch 2; 125 frames).
 */
class ModelLimitsTest {
    @TempDir static Path dataDir;
    static TestServer s;

    @BeforeAll static void start() throws Exception { s = TestServer.start(dataDir, c -> c); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    @Test void sidesAndFramesBeyondTheRotaryTablesAre400() {
        for (String[] c : new String[][] {
                {"\"size\": \"48x64\"", "\"size\": \"528x64\"", "size"},
                {"\"size\": \"48x64\"", "\"size\": \"48x528\"", "size"},
                {"\"num_frames\": 5", "\"num_frames\": 129", "nvext.num_frames"}}) {
            HttpResponse<String> r = s.post("/v1/videos", TINY.replace(c[0], c[1]));
            assertEquals(400, r.statusCode(), c[1] + ": " + r.body());
            JsonNode e = json(r).path("error");
            assertEquals(c[2], e.path("param").asText(), r.body());
            assertTrue(e.path("message").asText().toLowerCase().matches(".*(rope|rotary|at most|model).*"), r.body());
        }
        assertEquals(0, json(s.get("/v1/videos")).path("data").size(), "nothing was queued");
    }
}
