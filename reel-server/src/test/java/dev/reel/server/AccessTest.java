package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host and Origin checks (DNS rebinding, cross-site requests), accepted content types, HEAD and 405, and URLs
 * that never come from the client's Host header — spoken over a raw socket, since the JDK's HTTP client will not
 * send a chosen Host.
 */
class AccessTest {
    @TempDir static Path dataDir;
    static TestServer s;

    @BeforeAll static void start() throws Exception {
        s = TestServer.start(dataDir, c -> c.withAccess(new HttpAccess(List.of("videos.internal"), List.of("https://app.example.com"), null, Duration.ofSeconds(2))));
    }

    @AfterAll static void stop() { if (s != null) s.close(); }

    record Raw(int status, String head, String body) {
        String header(String name) {
            for (String line : head.split("\r\n")) {
                int c = line.indexOf(':');
                if (c > 0 && line.substring(0, c).equalsIgnoreCase(name)) return line.substring(c + 1).trim();
            }
            return null;
        }
    }

    static Raw raw(String method, String path, String host, String... headersAndBody) throws IOException {
        StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n");
        String body = headersAndBody.length % 2 == 1 ? headersAndBody[headersAndBody.length - 1] : null;
        for (int i = 0; i + 1 < headersAndBody.length; i += 2) req.append(headersAndBody[i]).append(": ").append(headersAndBody[i + 1]).append("\r\n");
        byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (body != null) req.append("Content-Length: ").append(b.length).append("\r\n");
        req.append("\r\n");
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(60_000);
            OutputStream out = sock.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.UTF_8));
            out.write(b);
            out.flush();
            InputStream in = sock.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int split = all.indexOf("\r\n\r\n");
            String head = all.substring(0, split);
            return new Raw(Integer.parseInt(head.split(" ")[1]), head, all.substring(split + 4));
        }
    }

    String self() { return "127.0.0.1:" + s.server.port(); }

    @Test void foreignHostNamesAreRefusedIpLiteralsLocalhostAndAllowedNamesAreNot() throws Exception {
        Raw evil = raw("GET", "/v1/videos", "attacker.example:" + s.server.port());
        assertEquals(403, evil.status(), evil.body());
        assertTrue(evil.body().contains("host_not_allowed"), evil.body());
        assertTrue(evil.body().contains("--allowed-hosts"), evil.body());
        for (String ok : new String[] {self(), "localhost:" + s.server.port(), "videos.internal", "[::1]:" + s.server.port()}) {
            assertEquals(200, raw("GET", "/v1/videos", ok).status(), ok);
        }
        assertEquals(403, raw("DELETE", "/v1/videos/video_" + "a".repeat(32), "rebind.attacker.example").status());
    }

    @Test void crossOriginRequestsNeedAnAllowedOrigin() throws Exception {
        Raw post = raw("POST", "/v1/videos", self(), "Origin", "https://evil.example", "Content-Type", "application/json", TINY);
        assertEquals(403, post.status(), post.body());
        assertTrue(post.body().contains("origin_not_allowed"));
        Raw same = raw("GET", "/v1/videos", self(), "Origin", "http://" + self());
        assertEquals(200, same.status());
        assertEquals(null, same.header("Access-Control-Allow-Origin"));

        Raw pre = raw("OPTIONS", "/v1/videos", self(), "Origin", "https://app.example.com", "Access-Control-Request-Method", "POST");
        assertEquals(204, pre.status(), pre.head());
        assertEquals("https://app.example.com", pre.header("Access-Control-Allow-Origin"));
        assertTrue(pre.header("Access-Control-Allow-Headers").contains("Authorization"));
        Raw allowed = raw("GET", "/v1/videos", self(), "Origin", "https://app.example.com");
        assertEquals(200, allowed.status());
        assertEquals("https://app.example.com", allowed.header("Access-Control-Allow-Origin"));
    }

    @Test void onlyTheDocumentedBodyTypesAreRead() throws Exception {
        for (String ct : new String[] {"text/plain", "text/plain;charset=UTF-8", "application/xml", "image/png"}) {
            Raw r = raw("POST", "/v1/videos", self(), "Content-Type", ct, TINY);
            assertEquals(415, r.status(), ct + ": " + r.body());
            assertTrue(r.body().contains("unsupported_media_type"), r.body());
        }
        assertEquals(0, TestServer.json(s.get("/v1/videos")).path("data").size(), "nothing was queued");
    }

    @Test void headMirrorsGetAndWrongMethodsGet405WithAllow() throws Exception {
        Raw missing = raw("HEAD", "/v1/videos/video_" + "b".repeat(32), self());
        assertEquals(404, missing.status());
        assertEquals("", missing.body());
        Raw health = raw("HEAD", "/health", self());
        assertEquals(200, health.status());
        assertEquals("", health.body());
        Raw put = raw("PUT", "/v1/videos", self(), "Content-Type", "application/json", "{}");
        assertEquals(405, put.status(), put.body());
        assertTrue(put.header("Allow").contains("POST") && put.header("Allow").contains("GET"), put.head());
        Raw postOne = raw("POST", "/v1/videos/video_" + "b".repeat(32), self(), "Content-Type", "application/json", "{}");
        assertEquals(405, postOne.status());
        assertTrue(postOne.header("Allow").contains("DELETE"), postOne.head());
        assertEquals(404, raw("GET", "/nothing/here", self()).status());
    }

    @Test void urlAnswersUseTheBoundAddressNotTheHostHeader() throws Exception {
        String body = TINY.replace("\"model\"", "\"response_format\": \"url\", \"model\"");
        Raw r = raw("POST", "/v1/videos", "videos.internal", "Content-Type", "application/json", body);
        assertEquals(200, r.status(), r.body());
        JsonNode j = TestServer.JSON.readTree(r.body());
        String url = j.path("data").get(0).path("url").asText();
        assertTrue(url.startsWith("http://127.0.0.1:" + s.server.port() + "/v1/videos/"), url);
        assertFalse(url.contains("videos.internal"), url);
    }

    @Test void aFinishedJobKeepsABoundedReplay() throws Exception {
        String id = s.submit(TINY.replace("\"num_inference_steps\": 2", "\"num_inference_steps\": 6")).path("id").asText();
        assertEquals("completed", s.awaitDone(id, Duration.ofMinutes(2)).path("status").asText());
        String events = s.get("/v1/videos/" + id + "/events").body();
        long n = events.lines().filter(l -> l.startsWith("event: ")).count();
        assertEquals(4, n, "queued, in_progress, the last progress, completed:\n" + events);
        assertTrue(events.contains("\"step\":6") || events.contains("\"step\": 6"), events);
    }

    @Test void aDynamoCallWhoseClientHangsUpCancelsItsJob() throws Exception {
        String body = TestServer.LONG.replace("\"model\"", "\"response_format\": \"b64_json\", \"model\"");
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String id;
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.getOutputStream().write(("POST /v1/videos HTTP/1.1\r\nHost: " + self() + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + b.length + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            sock.getOutputStream().write(b);
            sock.getOutputStream().flush();
            id = null;
            for (int i = 0; i < 1200 && id == null; i++) {
                for (JsonNode v : TestServer.json(s.get("/v1/videos")).path("data")) {
                    if (v.path("status").asText().equals("in_progress")) id = v.path("id").asText();
                }
                if (id == null) Thread.sleep(25);
            }
            assertTrue(id != null, "the waiting call's job never started");
        } // the client hangs up here
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (s.get("/v1/videos/" + id).statusCode() != 404 && System.nanoTime() < deadline) Thread.sleep(50);
        assertEquals(404, s.get("/v1/videos/" + id).statusCode(), "the job of the abandoned call was cancelled and deleted");
    }

    @Test void aClientThatTricklesItsHeadersIsCutOff() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", s.server.port())) {
            sock.setSoTimeout(30_000);
            OutputStream out = sock.getOutputStream();
            byte[] slow = ("GET /health HTTP/1.1\r\nHost: " + self() + "\r\nX-Slow: " + "a".repeat(400)).getBytes(StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            boolean cut = false;
            for (byte b : slow) { // one byte every 50 ms: Jetty's idle timeout alone would never fire
                try {
                    out.write(b);
                    out.flush();
                } catch (IOException e) {
                    cut = true;
                    break;
                }
                Thread.sleep(50);
                if (sock.getInputStream().available() < 0) break;
            }
            if (!cut) cut = sock.getInputStream().read() == -1;
            assertTrue(cut, "the server kept a connection whose headers never ended");
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(18).toNanos(), "cut off by the 2 s bound, well before the bytes ran out");
        }
        assertEquals(200, s.get("/health").statusCode());
    }
}
