package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.Backends;
import dev.reel.core.Device;
import dev.reel.core.SystemOptions;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.media.VideoProbe;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Image-to-video end to end through {@code reel serve --random-weights}, as an operator runs it: the server in its
 * own JVM on a free loopback port, a multipart {@code input_reference} POST, polling, the MP4 downloaded and probed
 * (codec, frames, size). On the CPU here, and on the GPU (tagged "gpu") where CUDA is present.
 */
class ServeImageToVideoTest {
    static final Pattern BASE = Pattern.compile("reel serve: (http://[^/ ]+)/ ");
    static final String BOUNDARY = "reel-serve-i2v";

    @TempDir Path dir;

    @Test void onTheCpu() throws Exception { run("cpu"); }

    @Tag("gpu")
    @Test void onTheGpu() throws Exception {
        String why = Backends.unavailableReason(Device.Type.CUDA, SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device: " + why);
        run("cuda");
    }

    void run(String device) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"), "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED", "-Xmx2g", "-cp", System.getProperty("java.class.path")));
        for (String p : new String[] {"ai.djl.offline", "ENGINE_CACHE_DIR"}) if (System.getProperty(p) != null) cmd.add("-D" + p + "=" + System.getProperty(p));
        cmd.addAll(List.of(ReelCli.class.getName(), "serve",
                "--model", ImageToVideoCommandTest.configs("wan2.1-i2v-tiny"), "--random-weights", "--tokenizer", ImageToVideoCommandTest.tokenizer(),
                "--port", "0", "--data-dir", dir.resolve("data").toString(), "--device", device));
        Process server = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String base = awaitReady(server);
            HttpClient http = HttpClient.newHttpClient();
            byte[] body = multipart(Files.readAllBytes(TestFixtures.named("wan21-i2v-tiny").root().resolve("images").resolve("first.png")));
            HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/videos"))
                    .header("Content-Type", "multipart/form-data; boundary=" + BOUNDARY).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, created.statusCode(), created.body());
            ObjectMapper json = new ObjectMapper();
            String id = json.readTree(created.body()).get("id").asText();
            JsonNode job = null;
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
            while (System.nanoTime() < deadline) {
                job = json.readTree(http.send(HttpRequest.newBuilder(URI.create(base + "/v1/videos/" + id)).build(), HttpResponse.BodyHandlers.ofString()).body());
                String status = job.get("status").asText();
                if (status.equals("completed") || status.equals("failed")) break;
                Thread.sleep(200);
            }
            assertEquals("completed", job.get("status").asText(), job.toString());
            Path mp4 = dir.resolve("i2v.mp4");
            HttpResponse<Path> content = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/videos/" + id + "/content")).build(),
                    HttpResponse.BodyHandlers.ofFile(mp4));
            assertEquals(200, content.statusCode());
            VideoProbe p = VideoProbe.of(mp4);
            System.out.printf("serve --random-weights on %s: %s, %d frames of %dx%d%n", device, p.codec(), p.frames(), p.width(), p.height());
            assertEquals("h264", p.codec());
            assertEquals(5, p.frames());
            assertEquals(32, p.width());
            assertEquals(48, p.height());
        } finally {
            server.destroy();   // SIGTERM: the graceful stop
            if (!server.waitFor(30, TimeUnit.SECONDS)) server.destroyForcibly();
        }
    }

    /** The server's base URL, once it prints that the model is loaded (its output is drained meanwhile). */
    static String awaitReady(Process server) throws Exception {
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), StandardCharsets.UTF_8));
        StringBuilder seen = new StringBuilder();
        String base = null;
        for (String line; (line = out.readLine()) != null; ) {
            seen.append(line).append('\n');
            Matcher m = BASE.matcher(line);
            if (m.find()) base = m.group(1);
            if (line.equals("reel serve: ready")) {
                Thread drain = new Thread(() -> out.lines().forEach(l -> { }), "serve-output");
                drain.setDaemon(true);
                drain.start();
                assertTrue(base != null, seen.toString());
                return base;
            }
        }
        throw new AssertionError("reel serve stopped before it was ready:\n" + seen);
    }

    static byte[] multipart(byte[] png) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String[][] fields = {{"model", "wan2.1-i2v-tiny"}, {"prompt", "a fox"}, {"size", "32x48"},
                {"nvext", "{\"num_frames\": 5, \"num_inference_steps\": 2, \"seed\": 7}"}};
        for (String[] f : fields) {
            b.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + f[0] + "\"\r\n\r\n" + f[1] + "\r\n").getBytes(StandardCharsets.UTF_8));
        }
        b.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"input_reference\"; filename=\"first.png\"\r\nContent-Type: image/png\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        b.writeBytes(png);
        b.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return b.toByteArray();
    }
}
