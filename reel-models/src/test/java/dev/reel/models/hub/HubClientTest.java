package dev.reel.models.hub;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.reel.core.ReelException;
import dev.reel.core.fixtures.FixtureSet;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Downloads the fixture pipeline from a real HTTP server on loopback that speaks the hub's protocol: the revision
 * API, {@code resolve} URLs answering HEAD with the hub's headers, large files as LFS (SHA-256 etag,
 * {@code X-Linked-*}, a redirect to a "CDN" path that honours {@code Range}), small ones with git's blob SHA-1.
 */
class HubClientTest {
    static final String ID = "Wan-AI/Wan2.1-T2V-Tiny-Diffusers";
    static final String COMMIT = "0123456789abcdef0123456789abcdef01234567";
    static final String TOKEN = "hf_test_token";

    @TempDir Path cache;
    final Path pipeline = dev.reel.core.fixtures.TestFixtures.locate().pipelineDir();
    final List<String> files = new ArrayList<>();
    final Map<String, byte[]> bySha256 = new ConcurrentHashMap<>();
    final List<String> log = new CopyOnWriteArrayList<>();
    volatile boolean requireToken;
    volatile boolean corrupt;
    HttpServer server;
    URI endpoint;

    @BeforeEach
    void start() throws IOException {
        try (Stream<Path> s = Files.walk(pipeline)) {
            for (Path f : s.filter(Files::isRegularFile).sorted().toList()) files.add(pipeline.relativize(f).toString().replace('\\', '/'));
        }
        files.add("README.md"); // listed by the hub, not fetched
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.start();
        endpoint = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() { server.stop(0); }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        log.add(ex.getRequestMethod() + " " + path + (ex.getRequestHeaders().containsKey("Range") ? " " + ex.getRequestHeaders().getFirst("Range") : "")
                + (auth != null ? " auth" : ""));
        try (ex) {
            if (path.startsWith("/cdn/")) { cdn(ex, path.substring(5)); return; }
            if (requireToken && !("Bearer " + TOKEN).equals(auth)) { send(ex, 401, new byte[0]); return; }
            if (path.equals("/api/models/" + ID + "/revision/main")) {
                StringBuilder json = new StringBuilder("{\"id\":\"" + ID + "\",\"sha\":\"" + COMMIT + "\",\"siblings\":[");
                for (int i = 0; i < files.size(); i++) json.append(i == 0 ? "" : ",").append("{\"rfilename\":\"").append(files.get(i)).append("\"}");
                send(ex, 200, json.append("]}").toString().getBytes(StandardCharsets.UTF_8));
                return;
            }
            String prefix = "/" + ID + "/resolve/" + COMMIT + "/";
            if (!path.startsWith(prefix)) { send(ex, 404, new byte[0]); return; }
            Path f = pipeline.resolve(path.substring(prefix.length()));
            byte[] bytes = Files.readAllBytes(f);
            if (f.toString().endsWith(".safetensors")) { // LFS: identity in X-Linked-*, content behind a redirect
                String sha = hex("SHA-256", bytes);
                bySha256.put(sha, bytes);
                ex.getResponseHeaders().add("X-Linked-Etag", "\"" + sha + "\"");
                ex.getResponseHeaders().add("X-Linked-Size", String.valueOf(bytes.length));
                ex.getResponseHeaders().add("Location", "/cdn/" + sha);
                ex.sendResponseHeaders(302, -1);
                return;
            }
            ex.getResponseHeaders().add("ETag", "\"" + gitSha1(bytes) + "\"");
            if (ex.getRequestMethod().equals("HEAD")) {
                ex.getResponseHeaders().add("Content-Length", String.valueOf(bytes.length));
                ex.sendResponseHeaders(200, -1);
            } else {
                send(ex, 200, bytes);
            }
        }
    }

    private void cdn(HttpExchange ex, String sha) throws IOException {
        byte[] bytes = bySha256.get(sha).clone();
        if (corrupt) bytes[bytes.length / 2] ^= 1;
        String range = ex.getRequestHeaders().getFirst("Range");
        if (range != null) {
            int from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-", "$1"));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
            byte[] rest = java.util.Arrays.copyOfRange(bytes, from, bytes.length);
            send(ex, 206, rest);
            return;
        }
        send(ex, 200, bytes);
    }

    private static void send(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) try (OutputStream o = ex.getResponseBody()) { o.write(body); }
    }

    static String hex(String algo, byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algo).digest(b));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    static String gitSha1(byte[] b) {
        byte[] head = ("blob " + b.length + "\0").getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + b.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(b, 0, all, head.length, b.length);
        return hex("SHA-1", all);
    }

    HubOptions options() { return new HubOptions(cache, endpoint, null, false, "main"); }

    @Test
    void downloadsThePipelineIntoTheHubCacheLayoutAndReusesIt() throws IOException {
        List<String> progress = new CopyOnWriteArrayList<>();
        Path snap = new HubClient(options()).resolve(ID, (p, done, total) -> { if (done == total) progress.add(p); });
        HubCache c = new HubCache(cache);
        assertEquals(c.snapshot(ID, COMMIT), snap);
        assertEquals(COMMIT, Files.readString(cache.resolve("models--Wan-AI--Wan2.1-T2V-Tiny-Diffusers/refs/main")));
        for (String f : files) {
            if (f.equals("README.md")) { assertFalse(Files.exists(snap.resolve(f)), "docs are not fetched"); continue; }
            Path link = snap.resolve(f);
            assertTrue(Files.isSymbolicLink(link), f + " is a symlink into blobs/");
            assertTrue(Files.readSymbolicLink(link).toString().startsWith("../"), "relative, as the hub's cache: " + Files.readSymbolicLink(link));
            assertArrayEquals(Files.readAllBytes(pipeline.resolve(f)), Files.readAllBytes(link), f);
        }
        assertTrue(progress.contains("transformer/diffusion_pytorch_model.safetensors"), progress.toString());
        assertTrue(log.stream().noneMatch(l -> l.startsWith("GET /cdn/") && l.endsWith("auth")), "no token to the CDN");

        // again: only the revision and the HEADs, nothing downloaded; offline: not even those
        log.clear();
        assertEquals(snap, new HubClient(options()).resolve(ID, HubClient.Progress.NONE));
        assertTrue(log.stream().noneMatch(l -> l.startsWith("GET /cdn/") || (l.startsWith("GET /" + ID + "/resolve"))), log.toString());
        log.clear();
        assertEquals(snap, new HubClient(options().withOffline(true)).resolve(ID, HubClient.Progress.NONE));
        assertEquals(List.of(), log);
    }

    @Test
    void aPartialDownloadIsResumedWithARangeRequest() throws IOException {
        byte[] weights = Files.readAllBytes(pipeline.resolve("transformer/diffusion_pytorch_model.safetensors"));
        String sha = hex("SHA-256", weights);
        Path blobs = new HubCache(cache).blobs(ID);
        Files.createDirectories(blobs);
        Files.write(blobs.resolve(sha + ".incomplete"), java.util.Arrays.copyOf(weights, 50_000));
        Path snap = new HubClient(options()).resolve(ID, HubClient.Progress.NONE);
        assertTrue(log.contains("GET /cdn/" + sha + " bytes=50000-"), log.toString());
        assertArrayEquals(weights, Files.readAllBytes(snap.resolve("transformer/diffusion_pytorch_model.safetensors")));
        assertFalse(Files.exists(blobs.resolve(sha + ".incomplete")));
    }

    @Test
    void aCorruptDownloadIsRejectedByItsHash() {
        corrupt = true;
        ReelException e = assertThrows(ReelException.class, () -> new HubClient(options()).resolve(ID, HubClient.Progress.NONE));
        assertTrue(e.getMessage().contains("SHA-256") && e.getMessage().contains("does not match the hub's"), e.getMessage());
        assertFalse(Files.exists(new HubCache(cache).snapshot(ID, COMMIT).resolve("model_index.json").getParent().resolve("transformer/diffusion_pytorch_model.safetensors")));
    }

    @Test
    void aGatedModelAsksForTheTokenAndTheTokenIsSentToTheHub() {
        requireToken = true;
        ReelException e = assertThrows(ReelException.class, () -> new HubClient(options()).resolve(ID, HubClient.Progress.NONE));
        assertTrue(e.getMessage().contains("gated or private") && e.getMessage().contains("HF_TOKEN"), e.getMessage());
        Path snap = new HubClient(new HubOptions(cache, endpoint, TOKEN, false, "main")).resolve(ID, HubClient.Progress.NONE);
        assertTrue(Files.isRegularFile(snap.resolve("model_index.json")));
    }

    @Test
    void offlineWithoutACachedCopySaysWhatToDo() {
        ReelException e = assertThrows(ReelException.class, () -> new HubClient(options().withOffline(true)).resolve(ID, HubClient.Progress.NONE));
        assertTrue(e.getMessage().contains("not in the Hugging Face cache") && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
        assertEquals(List.of(), log);
    }

    @Test
    void aCacheBuiltLikeTheHubsResolvesOfflineThroughRefsAndSymlinks() throws IOException {
        // as huggingface_hub leaves it: blobs named by etag, snapshot entries symlinked to them, refs/main → commit
        HubCache c = new HubCache(cache);
        Files.createDirectories(c.blobs(ID));
        for (String f : files) {
            if (f.equals("README.md")) continue;
            byte[] b = Files.readAllBytes(pipeline.resolve(f));
            String etag = f.endsWith(".safetensors") ? hex("SHA-256", b) : gitSha1(b);
            Files.write(c.blobs(ID).resolve(etag), b);
            c.link(ID, COMMIT, f, etag);
        }
        Files.createDirectories(c.repo(ID).resolve("refs"));
        Files.writeString(c.repo(ID).resolve("refs/main"), COMMIT + "\n");
        Path snap = new HubClient(new HubOptions(cache, URI.create("http://127.0.0.1:9"), null, true, "main")).resolve(ID, HubClient.Progress.NONE);
        assertEquals(c.snapshot(ID, COMMIT), snap);
        assertTrue(Files.isSymbolicLink(snap.resolve("vae/config.json")));
        assertEquals(snap, new HubClient(new HubOptions(cache, endpoint, null, true, COMMIT)).resolve(ID, HubClient.Progress.NONE), "a commit needs no ref");
    }

    @Test
    void theEnvironmentIsReadAsHuggingFaceHubReadsIt() {
        Path home = Path.of("/home/u");
        HubOptions d = HubOptions.fromEnvironment(Map.of(), home);
        assertEquals(home.resolve(".cache/huggingface/hub"), d.cacheDir());
        assertEquals(URI.create("https://huggingface.co"), d.endpoint());
        assertFalse(d.offline());
        assertEquals(Path.of("/data/hf/hub"), HubOptions.fromEnvironment(Map.of("HF_HOME", "/data/hf"), home).cacheDir());
        HubOptions e = HubOptions.fromEnvironment(Map.of("HF_HOME", "/data/hf", "HF_HUB_CACHE", "/fast/hub", "HF_ENDPOINT", "http://mirror:8080/",
                "HF_TOKEN", "hf_x", "HF_HUB_OFFLINE", "1"), home);
        assertEquals(Path.of("/fast/hub"), e.cacheDir());
        assertEquals(URI.create("http://mirror:8080"), e.endpoint());
        assertEquals("hf_x", e.token());
        assertTrue(e.offline());
        assertTrue(HubCache.isModelId("Wan-AI/Wan2.1-T2V-1.3B-Diffusers"));
        assertFalse(HubCache.isModelId("../etc"));
        assertFalse(HubCache.isModelId("/models/wan"));
    }
}
