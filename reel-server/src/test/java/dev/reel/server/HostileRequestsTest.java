package dev.reel.server;

import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Robustness: well over 1,000 malformed or hostile requests (wrong types, huge and negative numbers, broken JSON
 * and multipart, oversized bodies, path-traversal ids, bad query parameters) each get a 4xx in the API's error
 * shape, none starts a generation, and the server then still serves a real job.
 */
class HostileRequestsTest {
    private static final int MAX_BODY = 64 * 1024;
    private static final String VALID = TestServer.TINY;

    @TempDir Path dataDir;
    @TempDir Path scratch;

    /** A request to send and a note saying what it is (for failure messages). */
    private record Probe(String note, HttpRequest request) {}

    @Test void everyHostileRequestGetsA4xxErrorAndTheServerStillWorks() throws Exception {
        try (TestServer s = TestServer.start(dataDir, c -> c.withMaxBodyBytes(MAX_BODY))) {
            List<Probe> probes = new ArrayList<>();
            for (String body : hostileBodies()) probes.add(post(s, "json " + clip(body), "application/json", body.getBytes(StandardCharsets.UTF_8)));
            for (String body : hostileForms()) probes.add(post(s, "multipart " + clip(body), "multipart/form-data; boundary=XyZ", body.getBytes(StandardCharsets.UTF_8)));
            probes.add(post(s, "multipart without boundary", "multipart/form-data", "--XyZ--".getBytes(StandardCharsets.UTF_8)));
            probes.add(post(s, "urlencoded broken escape", "application/x-www-form-urlencoded", "prompt=%zz&size=48x64".getBytes(StandardCharsets.UTF_8)));
            probes.add(post(s, "urlencoded without prompt", "application/x-www-form-urlencoded", "size=48x64".getBytes(StandardCharsets.UTF_8)));
            for (int i = 0; i < VALID.length() - 1; i += 1) { // every proper prefix of a valid body is broken JSON
                probes.add(post(s, "truncated at " + i, "application/json", VALID.substring(0, i).getBytes(StandardCharsets.UTF_8)));
            }
            Random rnd = new Random(20240601);
            for (int i = 0; i < 400; i++) { // random bytes: never a JSON object holding a valid request
                byte[] junk = new byte[1 + rnd.nextInt(400)];
                rnd.nextBytes(junk);
                if (i % 2 == 0) junk[0] = '{';
                probes.add(post(s, "random bytes #" + i, i % 3 == 0 ? "text/plain" : "application/json", junk));
            }
            probes.addAll(oversized(s));
            for (String path : hostilePaths()) {
                probes.add(new Probe("GET " + path, s.request("/").uri(URI.create(s.base + path)).GET().build()));
                probes.add(new Probe("DELETE " + path, s.request("/").uri(URI.create(s.base + path)).DELETE().build()));
            }
            assertTrue(probes.size() >= 1000, "only " + probes.size() + " probes");

            long t0 = System.nanoTime();
            for (Probe p : probes) {
                HttpResponse<String> r;
                try {
                    r = s.send(p.request);
                } catch (AssertionError closed) {
                    // an oversized body may be refused by closing the connection while the client is still sending
                    // (RFC 9110 allows it after a 413); the client then sees a broken pipe instead of the status
                    if (p.note.contains("oversized") && closed.getCause() instanceof java.io.IOException) continue;
                    throw new AssertionError(p.note + ": " + closed.getMessage(), closed);
                }
                int code = r.statusCode();
                assertTrue(code >= 400 && code < 500, p.note + " → HTTP " + code + " " + clip(r.body()));
                if (p.note.contains("oversized")) assertEquals(413, code, p.note + " → " + clip(r.body()));
                JsonNode e = json(r).path("error");
                assertTrue(e.path("message").isTextual() && !e.path("message").asText().isEmpty(), p.note + " → " + r.body());
                assertTrue(e.path("type").isTextual() && e.has("param") && e.path("code").isTextual(), p.note + " → " + r.body());
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("hostile requests: %d probes answered in %.2f s%n", probes.size(), seconds);

            // nothing was accepted, nothing ran
            JsonNode list = json(s.get("/v1/videos"));
            assertEquals(0, list.path("data").size(), list.toString());
            assertTrue(s.get("/metrics").body().contains("reel_jobs_submitted_total 0.0"));

            // the server still serves a real job
            JsonNode v = s.submit(VALID);
            JsonNode done = s.awaitDone(v.path("id").asText());
            assertEquals("completed", done.path("status").asText(), done.toString());
            HttpResponse<byte[]> mp4 = s.getBytes("/v1/videos/" + v.path("id").asText() + "/content");
            assertEquals(5, dev.reel.pipeline.media.VideoProbe.of(TestServer.tempFile(scratch, "after.mp4", mp4.body())).frames());
        }
    }

    private static Probe post(TestServer s, String note, String contentType, byte[] body) {
        return new Probe("POST " + note, s.request("/v1/videos").header("Content-Type", contentType)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    /** JSON bodies, each broken in one way. */
    static List<String> hostileBodies() {
        List<String> out = new ArrayList<>(List.of(
                "", " ", "{", "}", "[", "[]", "null", "true", "42", "\"prompt\"", "{\"prompt\":}", "{\"prompt\" \"x\"}",
                "{'prompt': 'single quotes'}", "{\"prompt\": \"x\",}", "{\"prompt\": \"x\"} trailing", "{\"prompt\": \"x\"}{}",
                "{\"prompt\": \"a\", \"prompt\": \"b\", \"size\": \"48x64\"}", "{\"prompt\": NaN}", "{\"prompt\": \"x\" /* c */}",
                "{\"prompt\": \"\\ud800\"", "\u0000\u0001", "{\"prompt\": \"x\", \"nvext\": {\"num_frames\": 5", "{}",
                "{\"nvext\": {}}", "{\"prompt\": \"   \"}", "{\"prompt\": \"\"}",
                "[".repeat(5000) + "]".repeat(5000), "{\"a\":".repeat(3000) + "1" + "}".repeat(3000),
                "{\"prompt\": \"x\", \"nvext\": {\"seed\": " + "9".repeat(500) + "}}"));
        // every field × values that field must refuse (the rest of the body is valid)
        String[] anyType = {"true", "false", "[]", "[1]", "{}", "{\"x\":1}"};
        String[] badInts = {"-1", "0", "1.5", "1e400", "-1e400", "99999999999999999999999", "-99999999999", "\"abc\"", "\"5\"", "2147483648", "1e3"};
        addField(out, "prompt", join(anyType, new String[] {"5", "-1", "\"\"", "\" \"", "\"\\t\\n\""}));
        addField(out, "model", join(anyType, new String[] {"5", "\"sora-2\"", "\"../../etc/passwd\"", "\"\"", "\"wan21-tiny \""}));
        addField(out, "size", join(anyType, new String[] {"5", "\"\"", "\"abc\"", "\"48\"", "\"48x\"", "\"x64\"", "\"0x0\"", "\"-16x16\"",
                "\"16x-16\"", "\"48x64x5\"", "\"50x64\"", "\"48x63\"", "\"1920x1088\"", "\"9999999x16\"", "\"16x99999999\"", "\"48.0x64\"",
                "\"1e3x16\"", "\"../48x64\"", "\"48 x 64\"", "\"４８x64\"", "\"4096x4096\""}));
        addField(out, "seconds", join(anyType, new String[] {"-1", "0", "\"0\"", "\"-5\"", "\"abc\"", "\"5s\"", "601", "\"601\"", "1e400",
                "\"1e3\"", "99999999999999999999", "\"NaN\"", "\"Infinity\"", "\"\"", "0.0000001"}));
        addField(out, "priority", join(anyType, new String[] {"101", "-101", "1.5", "\"high\"", "1e400", "99999999999999999999"}));
        addField(out, "response_format", join(anyType, new String[] {"5", "\"gif\"", "\"B64_JSON\"", "\"\"", "\"mp4\""}));
        addField(out, "nvext", new String[] {"5", "\"x\"", "true", "[]", "[{}]"});
        addNvext(out, "fps", join(anyType, join(badInts, new String[] {"121", "1000000"})));
        addNvext(out, "num_frames", join(anyType, join(badInts, new String[] {"2", "4", "6", "80", "120", "242", "245", "100001"})));
        addNvext(out, "negative_prompt", join(anyType, new String[] {"5", "-1", "1e400"}));
        addNvext(out, "num_inference_steps", join(anyType, join(badInts, new String[] {"201", "100000"})));
        addNvext(out, "guidance_scale", join(anyType, new String[] {"-1", "-0.001", "1e400", "-1e400", "100.5", "\"5\"", "\"NaN\"", "99999999999999999999999999"}));
        addNvext(out, "seed", join(anyType, new String[] {"-1", "1.5", "1e400", "99999999999999999999", "9223372036854775808", "\"7\"", "-9223372036854775808"}));
        // several fields wrong at once, and huge strings within the body limit
        out.add("{\"prompt\": 5, \"size\": 5, \"seconds\": -1, \"nvext\": {\"fps\": -1, \"num_frames\": 0, \"seed\": -1}}");
        out.add("{\"prompt\": \"" + "x".repeat(20_001) + "\", \"size\": \"48x64\"}");
        out.add("{\"prompt\": \"x\", \"size\": \"48x64\", \"nvext\": {\"negative_prompt\": \"" + "n".repeat(20_001) + "\"}}");
        return out;
    }

    private static String[] join(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

    /** The valid tiny request with top-level {@code field} set to each value. */
    private static void addField(List<String> out, String field, String[] values) {
        for (String v : values) {
            String base = VALID.replaceFirst("\\{", "{\"" + field + "\": " + v + ", ");
            // the later duplicate would be a (rejected) duplicate key; keep the hostile value alone
            out.add(switch (field) {
                case "prompt", "model", "size", "nvext" -> VALID.replaceFirst("\"" + field + "\": (\"[^\"]*\"|\\{[^}]*\\})", "\"" + field + "\": " + java.util.regex.Matcher.quoteReplacement(v));
                default -> base;
            });
        }
    }

    /** The valid tiny request with {@code nvext.field} set to each value. */
    private static void addNvext(List<String> out, String field, String[] values) {
        for (String v : values) {
            String withoutField = VALID.replaceFirst("\"" + field + "\": [^,}]*, ?", "");
            out.add(withoutField.replaceFirst("\"nvext\": \\{", "\"nvext\": {\"" + field + "\": " + java.util.regex.Matcher.quoteReplacement(v) + ", "));
        }
    }

    /** Broken multipart bodies (boundary XyZ). */
    static List<String> hostileForms() {
        String part = "--XyZ\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n";
        String ok = part.formatted("prompt", "a fox") + part.formatted("size", "48x64");
        return List.of(
                "", "--XyZ", "--XyZ--", "garbage", "--XyZ\r\n", "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nunterminated",
                "--XyZ\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--XyZ--\r\n",
                "--XyZ\r\nX-Other: 1\r\n\r\nno disposition\r\n--XyZ--\r\n",
                "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\nno blank line\r\n--XyZ--\r\n",
                "--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"; filename=\"p.txt\"\r\n\r\nfile, not field\r\n--XyZ--\r\n",
                ok + part.formatted("nvext", "{broken json") + "--XyZ--\r\n",
                ok + part.formatted("nvext", "[1,2]") + "--XyZ--\r\n",
                ok + part.formatted("nvext[num_frames]", "80") + "--XyZ--\r\n",
                ok + part.formatted("nvext[num_inference_steps]", "many") + "--XyZ--\r\n",
                ok + part.formatted("nvext[seed]", "-5") + "--XyZ--\r\n",
                ok + part.formatted("seconds", "forever") + "--XyZ--\r\n",
                ok + part.formatted("priority", "1e400") + "--XyZ--\r\n",
                part.formatted("size", "48x64") + "--XyZ--\r\n",
                (part.formatted("x", "y")).repeat(300) + "--XyZ--\r\n");
    }

    /** Bodies over the limit: declared by Content-Length, and streamed without a length. */
    private static List<Probe> oversized(TestServer s) {
        List<Probe> out = new ArrayList<>();
        String big = "{\"prompt\": \"" + "x".repeat(MAX_BODY) + "\", \"size\": \"48x64\"}";
        for (int i = 0; i < 5; i++) {
            out.add(post(s, "oversized " + big.length() + " bytes", "application/json", big.getBytes(StandardCharsets.UTF_8)));
            byte[] bytes = big.getBytes(StandardCharsets.UTF_8);
            out.add(new Probe("POST oversized, chunked", s.request("/v1/videos").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(bytes))).build()));
            byte[] form = ("--XyZ\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\n" + "x".repeat(MAX_BODY) + "\r\n--XyZ--\r\n")
                    .getBytes(StandardCharsets.UTF_8);
            out.add(post(s, "oversized multipart " + form.length + " bytes", "multipart/form-data; boundary=XyZ", form));
            out.add(new Probe("POST oversized multipart, chunked", s.request("/v1/videos").header("Content-Type", "multipart/form-data; boundary=XyZ")
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(form))).build()));
        }
        return out;
    }

    /** Paths naming no job: traversal attempts, wrong id shapes, bad query parameters. */
    static List<String> hostilePaths() {
        String[] ids = {"..", "...", "%2e%2e", "%2E%2E%2F%2E%2E", "..%2F..%2Fetc%2Fpasswd", "..%5C..%5Cwindows", "%00", "video_",
                "video_..%2F..%2Fjobs", "video_" + "0".repeat(31), "video_" + "0".repeat(33), "video_" + "A".repeat(32),
                "video_" + "g".repeat(32), "VIDEO_" + "0".repeat(32), "video_" + "0".repeat(32), "video_%2e%2e%2f" + "0".repeat(26),
                "jobs", "job.json", "%252e%252e", "x".repeat(3000), "video_0000%00" + "0".repeat(27), "%C0%AE%C0%AE", "~", "*", ";", "..;"};
        List<String> out = new ArrayList<>();
        for (String id : ids) {
            for (String tail : new String[] {"", "/content", "/content?variant=thumbnail", "/events"}) out.add("/v1/videos/" + id + tail);
        }
        out.addAll(List.of("/v1/videos?limit=-1", "/v1/videos?limit=abc", "/v1/videos?limit=1000", "/v1/videos?limit=99999999999999",
                "/v1/videos?after=../x", "/v1/videos?after=video_" + "0".repeat(32), "/v1/models/..%2F..", "/v1/models/sora-2",
                "/../../etc/passwd", "/v1/../../etc/passwd", "/v1/videos/../../../etc/passwd", "/static/..%2f..%2f", "/nope",
                "/v1/videos/video_" + "0".repeat(32) + "/content?variant=../../etc/passwd", "/v1/videos/" + "0".repeat(32) + "/../job.json"));
        return out;
    }

    private static String clip(String s) { return s.length() > 120 ? s.substring(0, 117) + "..." : s; }
}
