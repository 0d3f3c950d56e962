package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.server.ReelServer;
import dev.reel.server.ServerConfig;
import dev.reel.server.engine.PipelineModel;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One request, one video: the same prompt, size, frames, steps and seed sent through the Java API, the CLI and
 * the server give byte-identical MP4s. The demo model is used because its defaults differ from Diffusers'
 * (64 text tokens): before the entry points shared the model's defaults, the server encoded 512.
 */
class OneRequestOneVideoTest {
    static final String PROMPT = "A red fox runs through a snowy forest at dawn.";

    @TempDir Path dir;

    @Test
    void javaApiCliAndServerGiveTheSameBytes() throws Exception {
        Path api = dir.resolve("api.mp4"), cli = dir.resolve("cli.mp4"), served = dir.resolve("server.mp4");
        try (VideoGenerator gen = VideoGenerator.demo(GeneratorOptions.defaults())) {
            GenerationResult r = gen.generate(gen.requestBuilder(PROMPT).size(32, 48).numFrames(5).numInferenceSteps(2).seed(42L).output(api).build());
            assertEquals(42L, r.seed());
        }

        GenerateCommandTest.Run run = GenerateCommandTest.reel("generate", "--model", "demo-random", "--prompt", PROMPT, "--height", "32", "--width", "48",
                "--frames", "5", "--steps", "2", "--seed", "42", "--device", "cpu", "--output", cli.toString());
        assertEquals(0, run.exit(), run.err());

        ServerConfig config = ServerConfig.defaults(dir.resolve("data")).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5));
        try (ReelServer server = ReelServer.start(config, PipelineModel.demo(null, GeneratorOptions.defaults()))) {
            assertTrue(server.awaitReady(Duration.ofMinutes(2)));
            HttpClient http = HttpClient.newHttpClient();
            String body = "{\"prompt\": \"" + PROMPT + "\", \"size\": \"48x32\", \"nvext\": {\"num_frames\": 5, \"num_inference_steps\": 2, \"seed\": 42}}";
            URI base = server.baseUri();
            JsonNode v = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(base.resolve("/v1/videos")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()).body());
            String id = v.path("id").asText();
            for (int i = 0; i < 1200 && !v.path("status").asText().matches("completed|failed"); i++) {
                Thread.sleep(100);
                v = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(base.resolve("/v1/videos/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
            }
            assertEquals("completed", v.path("status").asText(), v.toString());
            http.send(HttpRequest.newBuilder(base.resolve("/v1/videos/" + id + "/content")).build(), HttpResponse.BodyHandlers.ofFile(served));
        }
        assertEquals(-1L, Files.mismatch(api, cli), "Java API and CLI");
        assertEquals(-1L, Files.mismatch(api, served), "Java API and server");
    }
}
