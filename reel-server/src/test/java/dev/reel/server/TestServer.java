package dev.reel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.server.engine.PipelineModel;
import dev.reel.server.engine.VideoModel;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * A real {@link ReelServer} on a random loopback port with the fixture model (testdata/wan21-tiny/pipeline),
 * and a real HTTP client ({@code java.net.http}) to talk to it.
 */
final class TestServer implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String MODEL = "wan21-tiny";
    /** A request the tiny model renders in moments: 48×64 (W×H), 5 frames, 2 steps, no CFG. */
    static final String TINY = """
            {"model": "wan21-tiny", "prompt": "A red fox runs through a snowy forest at dawn.", "size": "48x64",
             "nvext": {"num_frames": 5, "num_inference_steps": 2, "guidance_scale": 1.0, "seed": 7}}""";

    /** The step limit of test servers (the pipeline's own default limit): long jobs for cancel tests use it. */
    static final int MAX_STEPS = 200;

    /**
     * A request that would run for a long time (256×256, 33 frames, CFG, the most steps allowed): for tests that
     * need a job to stay running while they act; they cancel or interrupt it after a step or two.
     */
    static final String LONG = """
            {"model": "wan21-tiny", "prompt": "A red fox runs through a snowy forest at dawn.", "size": "256x256",
             "nvext": {"num_frames": 33, "num_inference_steps": %d, "guidance_scale": 5.0, "seed": 7}}""".formatted(MAX_STEPS);

    /**
     * How long a test waits for what the server does in the background (loading, a job reaching a state or
     * finishing, an event stream ending) before calling it hung. It bounds hangs, not speed: far beyond any run
     * on a loaded 2-core machine, so a slow machine never fails a test; a passing run never waits for it.
     */
    static final Duration PATIENCE = Duration.ofMinutes(10);

    final ReelServer server;
    final URI base;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final Path dataDir;

    private TestServer(ReelServer server, Path dataDir) {
        this.server = server;
        this.base = server.baseUri();
        this.dataDir = dataDir;
    }

    /** The tiny Wan2.1 pipeline of the fixtures, served as {@value #MODEL}. */
    static VideoModel fixtureModel() {
        GeneratorOptions d = GeneratorOptions.defaults();
        return PipelineModel.pretrained(TestFixtures.locate().pipelineDir(), MODEL,
                d.withLimits(d.limits().withMaxSteps(MAX_STEPS).withMaxPixelFrames(832L * 480 * 81)));
    }

    /**
     * The fixture pipeline with a {@code reel_defaults.json} of its own: a new folder in {@code dir} linking the
     * fixture's components, named {@value #MODEL}.
     */
    static Path fixtureWithDefaults(Path dir, String defaultsJson) throws IOException {
        Path model = Files.createDirectories(dir.resolve(MODEL));
        try (var entries = Files.list(TestFixtures.locate().pipelineDir())) {
            for (Path e : (Iterable<Path>) entries::iterator) Files.createSymbolicLink(model.resolve(e.getFileName().toString()), e.toAbsolutePath());
        }
        Files.writeString(model.resolve(dev.reel.pipeline.ModelProfile.DEFAULTS_FILE), defaultsJson);
        return model;
    }

    /** A client for an already started {@code server} (which the caller closes). */
    static TestServer attach(ReelServer server, Path dataDir) { return new TestServer(server, dataDir); }

    /** Starts a server with its data in {@code dataDir}, the defaults changed by {@code tweak}, ready to serve. */
    static TestServer start(Path dataDir, UnaryOperator<ServerConfig> tweak) throws InterruptedException {
        ServerConfig config = tweak.apply(ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0)
                .withShutdownGrace(Duration.ofSeconds(5)));
        ReelServer s = ReelServer.start(config, fixtureModel());
        if (!s.awaitReady(PATIENCE)) {
            s.close();
            fail("the fixture model did not load: " + s.jobs().loadError());
        }
        return new TestServer(s, dataDir);
    }

    HttpRequest.Builder request(String path) { return HttpRequest.newBuilder(base.resolve(path)).timeout(PATIENCE); }

    HttpResponse<String> send(HttpRequest r) {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new AssertionError(r.method() + " " + r.uri() + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    HttpResponse<String> get(String path) { return send(request(path).GET().build()); }

    HttpResponse<byte[]> getBytes(String path) {
        try {
            return http.send(request(path).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException | InterruptedException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        }
    }

    HttpResponse<String> post(String path, String json) {
        return send(request(path).header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> delete(String path) { return send(request(path).DELETE().build()); }

    static JsonNode json(HttpResponse<String> r) {
        try {
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON (HTTP " + r.statusCode() + "): " + r.body(), e);
        }
    }

    /** Submits {@code body} and returns the video object, asserting 200. */
    JsonNode submit(String body) {
        HttpResponse<String> r = post("/v1/videos", body);
        assertEquals(200, r.statusCode(), r.body());
        return json(r);
    }

    /** Polls {@code GET /v1/videos/{id}} until the job is completed or failed, for at most {@link #PATIENCE}. */
    JsonNode awaitDone(String id) throws InterruptedException { return awaitDone(id, PATIENCE); }

    /** Polls {@code GET /v1/videos/{id}} until the job is completed or failed. */
    JsonNode awaitDone(String id, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode v = json(get("/v1/videos/" + id));
            String s = v.path("status").asText();
            if (s.equals("completed") || s.equals("failed")) return v;
            Thread.sleep(50);
        }
        throw new AssertionError("job " + id + " not done after " + timeout);
    }

    /** Writes {@code bytes} to a temporary file (for decoding). */
    static Path tempFile(Path dir, String name, byte[] bytes) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, bytes);
        return p;
    }

    @Override public void close() { server.close(); }
}
