package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.pipeline.media.VideoProbe;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API end to end: a real server with the fixture model, a real HTTP client, videos decoded with FFmpeg. */
class VideoApiTest {
    @TempDir static Path dataDir;
    @TempDir Path scratch;
    static TestServer s;

    @BeforeAll static void start() throws InterruptedException { s = TestServer.start(dataDir, c -> c); }

    @AfterAll static void stop() { if (s != null) s.close(); }

    /** The page's size and frame inputs step as the model's geometry says (Wan2.1: 16 pixels, 4k+1 frames). */
    @Test void thePageStepsAsTheModelAllows() {
        HttpResponse<String> r = s.get("/");
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("<input id=\"width\" type=\"number\" min=\"16\" step=\"16\""), r.body());
        assertTrue(r.body().contains("Frames (4k+1)</label><input id=\"frames\" type=\"number\" min=\"1\" step=\"4\""), r.body());
        assertFalse(r.body().contains("{{"), "every placeholder is filled");
    }

    @Test void submitPollDownloadAndDecode() throws Exception {
        JsonNode v = s.submit(TINY);
        String id = v.path("id").asText();
        assertTrue(id.matches("video_[0-9a-f]{32}"), id);
        assertEquals("video", v.path("object").asText());
        assertEquals(TestServer.MODEL, v.path("model").asText());
        assertEquals("queued", v.path("status").asText());
        assertEquals(0, v.path("progress").asInt());
        assertTrue(v.path("created_at").asLong() > 1_600_000_000L);
        assertEquals("48x64", v.path("size").asText());
        assertEquals("0.313", v.path("seconds").asText()); // 5 frames at 16 fps
        assertEquals("A red fox runs through a snowy forest at dawn.", v.path("prompt").asText());

        JsonNode done = s.awaitDone(id);
        assertEquals("completed", done.path("status").asText(), done.toString());
        assertEquals(100, done.path("progress").asInt());
        assertTrue(done.path("completed_at").asLong() >= v.path("created_at").asLong());
        assertTrue(done.path("inference_time_s").asDouble() > 0);

        HttpResponse<byte[]> mp4 = s.getBytes("/v1/videos/" + id + "/content");
        assertEquals(200, mp4.statusCode());
        assertEquals("video/mp4", mp4.headers().firstValue("Content-Type").orElse(""));
        VideoProbe probe = VideoProbe.of(TestServer.tempFile(scratch, "out.mp4", mp4.body()));
        assertEquals("h264", probe.codec());
        assertEquals(5, probe.frames());
        assertEquals(48, probe.width());
        assertEquals(64, probe.height());
        assertEquals(16.0, probe.fps(), 1e-9);

        HttpResponse<byte[]> png = s.getBytes("/v1/videos/" + id + "/content?variant=thumbnail");
        assertEquals(200, png.statusCode());
        assertEquals("image/png", png.headers().firstValue("Content-Type").orElse(""));
        var img = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png.body()));
        assertNotNull(img, "thumbnail is not a readable PNG");
        assertEquals(48, img.getWidth());
        assertEquals(64, img.getHeight());

        // a range request (what a <video> element sends) gets the slice
        HttpResponse<byte[]> part = s.http.send(s.request("/v1/videos/" + id + "/content").header("Range", "bytes=0-99").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, part.statusCode());
        assertEquals(100, part.body().length);
        int size = mp4.body().length;
        assertEquals("bytes 0-99/" + size, part.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(java.util.Arrays.copyOfRange(mp4.body(), 0, 100), part.body());
        assertEquals("bytes", mp4.headers().firstValue("Accept-Ranges").orElse(""), "a plain GET says ranges are served");
        assertEquals(String.valueOf(size), mp4.headers().firstValue("Content-Length").orElse(""));

        HttpResponse<byte[]> tail = range(id, "bytes=-100"); // the last 100 bytes
        assertEquals(206, tail.statusCode());
        assertEquals("bytes " + (size - 100) + "-" + (size - 1) + "/" + size, tail.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(java.util.Arrays.copyOfRange(mp4.body(), size - 100, size), tail.body());
        HttpResponse<byte[]> rest = range(id, "bytes=100-" + (size + 1000)); // an end past the file is clipped
        assertEquals(206, rest.statusCode());
        assertArrayEquals(java.util.Arrays.copyOfRange(mp4.body(), 100, size), rest.body());
        HttpResponse<byte[]> several = range(id, "bytes=0-9,20-29"); // several ranges: the whole file
        assertEquals(200, several.statusCode());
        assertEquals(size, several.body().length);

        for (String outside : new String[] {"bytes=" + size + "-", "bytes=50-10", "bytes=abc"}) {
            HttpResponse<byte[]> none = range(id, outside);
            assertEquals(416, none.statusCode(), outside);
            assertEquals("bytes */" + size, none.headers().firstValue("Content-Range").orElse(""), outside);
            JsonNode e = TestServer.JSON.readTree(none.body()).path("error");
            assertEquals("range_not_satisfiable", e.path("code").asText(), outside);
            assertTrue(e.path("message").asText().contains(outside) && e.path("message").asText().contains(size + " bytes"), e.toString());
        }
    }

    private HttpResponse<byte[]> range(String id, String range) throws Exception {
        return s.http.send(s.request("/v1/videos/" + id + "/content").header("Range", range).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Test void dynamoStyleRequestWaitsAndReturnsBase64Mp4() throws Exception {
        // the example request, scaled down to the tiny model (size and frames)
        String body = """
                {"model": "wan21-tiny", "prompt": "A cinematic drone shot over a snowy mountain range at sunrise",
                 "size": "64x48", "seconds": 5, "response_format": "b64_json",
                 "nvext": {"fps": 24, "num_frames": 9, "num_inference_steps": 5, "guidance_scale": 1.0, "seed": 10}}""";
        HttpResponse<String> r = s.post("/v1/videos", body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode d = json(r);
        assertEquals("completed", d.path("status").asText(), r.body());
        assertEquals("video", d.path("object").asText());
        assertEquals(TestServer.MODEL, d.path("model").asText());
        assertEquals(100, d.path("progress").asInt());
        assertTrue(d.path("created").asLong() > 1_600_000_000L);
        assertTrue(d.path("inference_time_s").asDouble() > 0);
        assertTrue(d.path("error").isNull());
        byte[] mp4 = Base64.getDecoder().decode(d.path("data").path(0).path("b64_json").asText());
        VideoProbe probe = VideoProbe.of(TestServer.tempFile(scratch, "dynamo.mp4", mp4));
        assertEquals(9, probe.frames());
        assertEquals(64, probe.width());
        assertEquals(48, probe.height());
        assertEquals(24.0, probe.fps(), 1e-9);

        HttpResponse<String> u = s.post("/v1/videos", body.replace("b64_json", "url"));
        assertEquals(200, u.statusCode(), u.body());
        String url = json(u).path("data").path(0).path("url").asText();
        assertTrue(url.startsWith(s.base.toString() + "/v1/videos/video_") && url.endsWith("/content"), url);
        HttpResponse<byte[]> fetched = s.http.send(HttpRequest.newBuilder(java.net.URI.create(url)).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, fetched.statusCode());
        assertEquals(9, VideoProbe.of(TestServer.tempFile(scratch, "url.mp4", fetched.body())).frames());
    }

    @Test void multipartFormAsOpenAiClientsSendIt() throws Exception {
        String boundary = "----reel" + System.nanoTime();
        StringBuilder b = new StringBuilder();
        String[][] fields = {{"model", "wan21-tiny"}, {"prompt", "dance monkey"}, {"size", "48x48"}, {"seconds", "1"},
                {"nvext[fps]", "4"}, {"nvext[num_inference_steps]", "1"}, {"nvext[guidance_scale]", "1.0"}};
        for (String[] f : fields) {
            b.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(f[0]).append("\"\r\n\r\n").append(f[1]).append("\r\n");
        }
        // a file part the API does not read is skipped (input_reference is a picture for image-to-video models: ImageToVideoApiTest)
        b.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"attachment\"; filename=\"x.bin\"\r\nContent-Type: application/octet-stream\r\n\r\nDATA\r\n");
        b.append("--").append(boundary).append("--\r\n");
        HttpResponse<String> r = s.send(s.request("/v1/videos").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofString(b.toString())).build());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode v = json(r);
        assertEquals("1", v.path("seconds").asText());
        assertEquals(5, v.path("nvext").path("num_frames").asInt()); // 4 fps × 1 s = 4 → next 4k+1 = 5
        assertEquals("48x48", v.path("size").asText());
        assertEquals("completed", s.awaitDone(v.path("id").asText()).path("status").asText());
    }

    @Test void eventStreamDeliversEveryStepThenTheFinalState() throws Exception {
        JsonNode v = s.submit(TINY.replace("\"num_inference_steps\": 2", "\"num_inference_steps\": 6"));
        List<String[]> events = readEvents(v.path("id").asText(), 60);
        List<Integer> steps = new ArrayList<>();
        for (String[] e : events) {
            if (e[0].equals("progress")) {
                JsonNode d = TestServer.JSON.readTree(e[1]);
                steps.add(d.path("step").asInt());
                assertEquals(6, d.path("total_steps").asInt());
                assertEquals("in_progress", d.path("status").asText());
                assertEquals(Math.min(99, d.path("step").asInt() * 100 / 6), d.path("progress").asInt());
            }
        }
        assertEquals(List.of(1, 2, 3, 4, 5, 6), steps, "progress events");
        assertEquals("queued", events.getFirst()[0]);
        String[] last = events.getLast();
        assertEquals("completed", last[0]);
        assertEquals(100, TestServer.JSON.readTree(last[1]).path("progress").asInt());
        // a stream opened after the end replays the status changes and the last step (a finished job's memory
        // is bounded, however many steps it ran)
        List<String[]> again = readEvents(v.path("id").asText(), 10);
        assertEquals(List.of("queued", "in_progress", "progress", "completed"), again.stream().map(e -> e[0]).toList());
    }

    @Test void cancelQueuedAndRunningJobs() throws Exception {
        JsonNode running = s.submit(TestServer.LONG);
        JsonNode queued = s.submit(TINY);
        String rid = running.path("id").asText(), qid = queued.path("id").asText();

        // the queued one: gone at once, its folder too
        HttpResponse<String> dq = s.delete("/v1/videos/" + qid);
        assertEquals(200, dq.statusCode(), dq.body());
        assertEquals("video.deleted", json(dq).path("object").asText());
        assertTrue(json(dq).path("deleted").asBoolean());
        assertEquals(404, s.get("/v1/videos/" + qid).statusCode());
        assertFalse(Files.exists(dataDir.resolve("jobs").resolve(qid)));

        // the running one: stopped between steps once deleted
        HttpResponse<InputStream> open = openEvents(rid, 120);
        CompletableFuture<List<String[]>> stream = CompletableFuture.supplyAsync(() -> readEvents(open));
        waitForStep(rid);
        HttpResponse<String> dr = s.delete("/v1/videos/" + rid);
        assertEquals(200, dr.statusCode(), dr.body());
        List<String[]> events = stream.get(TestServer.PATIENCE.toSeconds(), TimeUnit.SECONDS);
        String[] last = events.getLast();
        assertEquals("failed", last[0]);
        JsonNode fin = TestServer.JSON.readTree(last[1]);
        assertEquals("cancelled", fin.path("error").path("code").asText());
        long stepsRun = events.stream().filter(e -> e[0].equals("progress")).count();
        System.out.println("running job stopped after " + stepsRun + " of 200 steps");
        assertTrue(stepsRun < 200, "stopped after " + stepsRun + " of 200 steps");
        assertEquals(404, s.get("/v1/videos/" + rid).statusCode());
        assertEquals(404, s.delete("/v1/videos/" + rid).statusCode());
        assertFalse(Files.exists(dataDir.resolve("jobs").resolve(rid)));

        // the worker is free again
        assertEquals("completed", s.awaitDone(s.submit(TINY).path("id").asText()).path("status").asText());
    }

    @Test void listIsNewestFirstWithCursor() throws Exception {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) ids.add(s.submit(TINY).path("id").asText());
        for (String id : ids) s.awaitDone(id);
        JsonNode page = json(s.get("/v1/videos?limit=2"));
        assertEquals("list", page.path("object").asText());
        assertEquals(ids.get(2), page.path("data").path(0).path("id").asText());
        assertEquals(ids.get(1), page.path("data").path(1).path("id").asText());
        assertTrue(page.path("has_more").asBoolean());
        assertEquals(ids.get(1), page.path("last_id").asText());
        JsonNode next = json(s.get("/v1/videos?limit=1&after=" + ids.get(1)));
        assertEquals(ids.get(0), next.path("data").path(0).path("id").asText());
        assertEquals(400, s.get("/v1/videos?limit=0").statusCode());
    }

    @Test void modelsHealthAndMetrics() throws Exception {
        JsonNode models = json(s.get("/v1/models"));
        assertEquals("list", models.path("object").asText());
        assertEquals(TestServer.MODEL, models.path("data").path(0).path("id").asText());
        assertEquals(200, s.get("/v1/models/" + TestServer.MODEL).statusCode());
        assertEquals(404, s.get("/v1/models/sora-2").statusCode());
        HttpResponse<String> unknown = s.post("/v1/videos", TINY.replace("\"wan21-tiny\"", "\"sora-2\""));
        assertEquals(404, unknown.statusCode());
        assertEquals("model_not_found", json(unknown).path("error").path("code").asText());

        HttpResponse<String> health = s.get("/health");
        assertEquals(200, health.statusCode(), health.body());
        assertEquals("ok", json(health).path("status").asText());

        s.awaitDone(s.submit(TINY).path("id").asText());
        HttpResponse<String> m = s.get("/metrics");
        assertEquals(200, m.statusCode());
        String text = m.body();
        for (String metric : List.of("reel_queue_depth ", "reel_jobs{state=\"completed\"}", "reel_jobs{state=\"queued\"}",
                "reel_step_seconds_count", "reel_stage_seconds_count{stage=", "reel_generation_seconds_count",
                "reel_jobs_submitted_total", "reel_jobs_finished_total{status=\"completed\"}")) {
            assertTrue(text.contains(metric), "metrics lack " + metric);
        }
    }

    /** Acceptance 4: a job with {@code nvext.cache} completes and its record says how many passes the cache skipped. */
    @Test void cachedJobReportsTheSkippedPasses() throws Exception {
        String body = TINY.replace("\"num_inference_steps\": 2", "\"num_inference_steps\": 10")
                .replace("\"seed\": 7", "\"seed\": 7, \"cache\": \"EasyCache:1, ret_steps=1\"")
                .replace("{\"model\"", "{\"response_format\": \"url\", \"model\"");
        HttpResponse<String> r = s.post("/v1/videos", body);
        assertEquals(200, r.statusCode(), r.body());
        String id = json(r).path("id").asText();
        JsonNode v = json(s.get("/v1/videos/" + id));
        assertEquals("completed", v.path("status").asText(), v.toString());
        assertEquals("easycache:1,ret_steps=1", v.path("nvext").path("cache").asText());
        JsonNode passes = v.path("transformer_passes");
        assertEquals(10, passes.path("run").asInt() + passes.path("skipped").asInt(), v.toString());   // 10 steps, no CFG
        assertTrue(passes.path("skipped").asInt() > 0, v.toString());
        JsonNode onDisk = TestServer.JSON.readTree(dataDir.resolve("jobs").resolve(id).resolve("job.json").toFile());
        assertEquals(passes.path("skipped").asInt(), onDisk.path("passes").path("skipped").asInt(), onDisk.toString());
        assertEquals("easycache:1,ret_steps=1", onDisk.path("spec").path("cache").asText());
        JsonNode plain = json(s.post("/v1/videos", TINY));
        assertEquals("none", plain.path("nvext").path("cache").asText());
    }

    @Test void rulesAreNamedInErrors() {
        record Case(String body, String param, String fragment) {}
        List<Case> cases = List.of(
                new Case(TINY.replace("\"num_frames\": 5", "\"num_frames\": 80"), "nvext.num_frames", "must be 4k+1 (1, 5, 9, …, 81, …): the nearest allowed values are 77 and 81"),
                new Case(TINY.replace("48x64", "50x64"), "size", "multiple of 16"),
                new Case(TINY.replace("48x64", "64"), "size", "WIDTHxHEIGHT"),
                new Case(TINY.replace("\"num_inference_steps\": 2", "\"num_inference_steps\": 201"), "nvext.num_inference_steps", "at most 200"),
                new Case(TINY.replace("48x64", "1920x1088").replace("\"num_frames\": 5", "\"num_frames\": 121"), "nvext.num_frames", "pixel-frames"),
                new Case(TINY.replace("\"seed\": 7", "\"seed\": -1"), "nvext.seed", "integer in 0.."),
                new Case(TINY.replace("\"guidance_scale\": 1.0", "\"guidance_scale\": \"high\""), "nvext.guidance_scale", "number"),
                new Case("{\"size\": \"48x64\"}", "prompt", "prompt is required"),
                new Case(TINY.replace("{\"model\"", "{\"seconds\": \"forever\", \"model\""), "seconds", "positive number of seconds"),
                new Case(TINY.replace("{\"model\"", "{\"response_format\": \"gif\", \"model\""), "response_format", "b64_json"),
                new Case(TINY.replace("\"seed\": 7", "\"seed\": 7, \"cache\": \"fastcache:0.1\""), "nvext.cache",
                        "unknown cache strategy 'fastcache'; allowed: none, teacache, pab, magcache, easycache"),
                new Case(TINY.replace("\"seed\": 7", "\"seed\": 7, \"cache\": \"teacache:0.1,calibration=/etc/passwd\""), "nvext.cache",
                        "calibration files cannot be named over the API"),
                new Case(TINY.replace("\"seed\": 7", "\"seed\": 7, \"cache\": \"teacache:0.1\""), "nvext.cache",
                        "has no published teacache calibration"),
                new Case(TINY.replace("\"seed\": 7", "\"seed\": 7, \"cache\": \"pab:2,cross=-1\""), "nvext.cache",
                        "pab cross = -1: must be in [0, 1000]"));
        for (Case c : cases) {
            HttpResponse<String> r = s.post("/v1/videos", c.body);
            assertEquals(400, r.statusCode(), c.body + " → " + r.body());
            JsonNode e = json(r).path("error");
            assertEquals(c.param, e.path("param").asText(), r.body());
            assertTrue(e.path("message").asText().contains(c.fragment), r.body());
            assertEquals("invalid_request_error", e.path("type").asText());
        }
    }

    /** Waits until the job has run at least one step. */
    private static void waitForStep(String id) throws InterruptedException {
        long deadline = System.nanoTime() + TestServer.PATIENCE.toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode v = json(s.get("/v1/videos/" + id));
            if (v.path("status").asText().equals("in_progress") && v.path("progress").asInt() >= 0 && stepStarted(v)) return;
            Thread.sleep(20);
        }
        throw new AssertionError("job " + id + " never started");
    }

    private static boolean stepStarted(JsonNode v) { return v.path("progress").asInt() > 0; }

    /** Opens the job's SSE stream (once this returns, the server has subscribed it). */
    static HttpResponse<InputStream> openEvents(String id, int timeoutSeconds) {
        try {
            HttpResponse<InputStream> r = s.http.send(s.request("/v1/videos/" + id + "/events").timeout(Duration.ofSeconds(timeoutSeconds)).GET().build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertEquals(200, r.statusCode());
            assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"));
            return r;
        } catch (Exception e) {
            throw new AssertionError("event stream of " + id + ": " + e, e);
        }
    }

    /** Reads the job's SSE stream to its end: a list of {event, data}. */
    static List<String[]> readEvents(String id, int timeoutSeconds) { return readEvents(openEvents(id, timeoutSeconds)); }

    static List<String[]> readEvents(HttpResponse<InputStream> r) {
        List<String[]> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String event = null, data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) event = line.substring(7);
                else if (line.startsWith("data: ")) data = line.substring(6);
                else if (line.isEmpty() && event != null) {
                    events.add(new String[] {event, data});
                    event = null;
                }
            }
        } catch (java.io.IOException e) {
            throw new AssertionError("event stream: " + e, e);
        }
        return events;
    }
}
