package dev.reel.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.media.VideoProbe;
import dev.reel.server.api.ApiError;
import dev.reel.server.api.VideoRequestParser;
import dev.reel.server.engine.PipelineModel;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * OpenAI's {@code input_reference} on a served image-to-video model (a tiny random-weight Wan2.1 I2V from configs):
 * as a multipart file and as a base64 data URL in JSON, checked (format, size) with 400s naming the field.
 */
class ImageToVideoApiTest {
    @TempDir static Path dataDir;
    @TempDir Path scratch;
    static TestServer s;
    static final String BOUNDARY = "reel-i2v-boundary";

    static Path configs(String name) { return TestFixtures.locate().root().getParent().resolve("configs").resolve(name); }

    static PipelineModel i2v() {
        return PipelineModel.randomWeights(configs("wan2.1-i2v-tiny"), Map.of("tokenizer", TestFixtures.locate().pipelineDir().resolve("tokenizer")), false,
                "i2v-tiny", GeneratorOptions.defaults());
    }

    @BeforeAll static void start() throws InterruptedException {
        ReelServer server = ReelServer.start(ServerConfig.defaults(dataDir).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5)), i2v());
        if (!server.awaitReady(TestServer.PATIENCE)) {
            server.close();
            fail("the I2V model did not load: " + server.jobs().loadError());
        }
        s = TestServer.attach(server, dataDir);
    }

    @AfterAll static void stop() { if (s != null) s.close(); }

    static byte[] png(int w, int h) throws Exception {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) for (int x = 0; x < w; x++) im.setRGB(x, y, (x * 7 << 16) | (y * 5 << 8) | 40);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(im, "png", out);
        return out.toByteArray();
    }

    static byte[] multipart(Map<String, String> fields, String fileField, byte[] file) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (var e : fields.entrySet()) {
            b.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + e.getKey() + "\"\r\n\r\n" + e.getValue() + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        b.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + fileField + "\"; filename=\"first.png\"\r\nContent-Type: image/png\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        b.writeBytes(file);
        b.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }

    HttpResponse<String> postMultipart(byte[] body) {
        return s.send(s.request("/v1/videos").header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    @Test void aMultipartFileAnimatesIntoTheVideo() throws Exception {
        byte[] body = multipart(Map.of("prompt", "a fox", "size", "32x48", "nvext", "{\"num_frames\": 5, \"num_inference_steps\": 2}"),
                "input_reference", png(40, 60));
        HttpResponse<String> r = postMultipart(body);
        assertEquals(200, r.statusCode(), r.body());
        JsonNode done = s.awaitDone(TestServer.json(r).path("id").asText());
        assertEquals("completed", done.path("status").asText(), done.toString());
        HttpResponse<byte[]> mp4 = s.getBytes("/v1/videos/" + done.path("id").asText() + "/content");
        VideoProbe p = VideoProbe.of(TestServer.tempFile(scratch, "i2v.mp4", mp4.body()));
        assertEquals("h264", p.codec());
        assertEquals(5, p.frames());
        assertEquals(32, p.width());
        assertEquals(48, p.height());
        String b64 = Base64.getEncoder().encodeToString(png(40, 60));
        assertTrue(!done.toString().contains(b64.substring(0, 40)), "the picture is not echoed in the video object");
        // once decoded and used, the picture is dropped from the job: neither its record in memory nor job.json keeps it
        String id = done.path("id").asText();
        assertEquals(null, s.server.jobs().find(id).orElseThrow().record().spec().inputReference());
        String stored = java.nio.file.Files.readString(dataDir.resolve("jobs").resolve(id).resolve("job.json"));
        assertTrue(!stored.contains(b64.substring(0, 40)), stored);
    }

    @Test void theModelSaysWhatItTakes() {
        JsonNode m = TestServer.json(s.get("/v1/models/i2v-tiny"));
        assertEquals("i2v", m.path("task").path("name").asText(), m.toString());
        assertEquals(1, m.path("task").path("min_images").asInt());
    }

    @Test void aDataUrlInJsonIsAccepted() throws Exception {
        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png(32, 48));
        JsonNode v = s.submit("{\"prompt\": \"a fox\", \"size\": \"32x48\", \"input_reference\": \"" + url + "\", \"nvext\": {\"num_frames\": 1, \"num_inference_steps\": 1}}");
        assertEquals("completed", s.awaitDone(v.path("id").asText()).path("status").asText());
    }

    private void refused(String body, String param, String... words) {
        HttpResponse<String> r = s.post("/v1/videos", body);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = TestServer.json(r).path("error");
        assertEquals(param, e.path("param").asText(), r.body());
        for (String w : words) assertTrue(e.path("message").asText().contains(w), r.body());
    }

    @Test void badPicturesAreClear400s() throws Exception {
        refused("{\"prompt\": \"a fox\", \"size\": \"32x48\"}", "input_reference", "needs the first frame");
        refused("{\"prompt\": \"a fox\", \"input_reference\": \"https://example.com/a.png\"}", "input_reference", "data URL", "does not fetch");
        refused("{\"prompt\": \"a fox\", \"input_reference\": \"data:image/webp;base64,AAAA\"}", "input_reference", "image/webp", "image/png");
        refused("{\"prompt\": \"a fox\", \"input_reference\": \"data:image/png;base64,%%%\"}", "input_reference", "base64");
        String text = Base64.getEncoder().encodeToString("not a picture".getBytes(StandardCharsets.UTF_8));
        refused("{\"prompt\": \"a fox\", \"input_reference\": \"data:image/png;base64," + text + "\"}", "input_reference", "PNG or JPEG");
        refused("{\"prompt\": \"a fox\", \"input_reference\": 7}", "input_reference", "data URL");
        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png(8, 8));
        refused("{\"prompt\": \"a fox\", \"size\": \"32x48\", \"input_reference\": \"" + url + "\", \"nvext\": {\"last_image\": \"" + url + "\"}}", "nvext.last_image", "no last frame");
        HttpResponse<String> r = postMultipart(multipart(Map.of("prompt", "a fox"), "input_reference", "GIF89a....".getBytes(StandardCharsets.ISO_8859_1)));
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("GIF"), r.body());
    }

    /** A text-to-video model refuses a picture at parse time, naming the field. */
    @Test void textToVideoModelsRefuseAPicture() throws Exception {
        String url = "data:image/png;base64," + Base64.getEncoder().encodeToString(png(8, 8));
        VideoRequestParser p = new VideoRequestParser(TestServer.fixtureModel());
        ApiError e = org.junit.jupiter.api.Assertions.assertThrows(ApiError.class, () -> p.parse("application/json",
                ("{\"prompt\": \"a fox\", \"size\": \"48x64\", \"input_reference\": \"" + url + "\"}").getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("input_reference") && e.getMessage().contains("takes no image"), e.getMessage());
    }
}
