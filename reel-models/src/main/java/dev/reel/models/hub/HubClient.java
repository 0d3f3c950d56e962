package dev.reel.models.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Resolves a Hugging Face model id to a local pipeline folder: the cached snapshot when there is one, else a
 * download into the hub cache ({@link HubCache}) as huggingface_hub's {@code snapshot_download} makes it.
 *
 * <p>The hub's protocol: {@code GET /api/models/ORG/NAME/revision/REV} gives the commit ({@code sha}) and the
 * files ({@code siblings[].rfilename}); {@code HEAD /ORG/NAME/resolve/COMMIT/PATH}, redirects not followed, gives
 * each file's identity and size — {@code X-Linked-Etag}/{@code X-Linked-Size} for large (LFS) files, whose etag
 * is their SHA-256, else {@code ETag}/{@code Content-Length}, the etag being git's blob SHA-1. The content comes
 * from a {@code GET} of the same URL, following the redirect to the CDN without the token. A partial download
 * ({@code blobs/ETAG.incomplete}) is resumed with a {@code Range} request; every file is checked against its size
 * and hash before it is moved into place.
 *
 * <p>Only what Reel reads is fetched: configs, tokenizer files and {@code .safetensors} weights, not the
 * pickled {@code .bin}/{@code .pth} duplicates, documentation or images.
 */
public final class HubClient {
    private static final Logger log = LoggerFactory.getLogger(HubClient.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> SKIPPED = List.of(".bin", ".pth", ".pt", ".ckpt", ".msgpack", ".h5", ".onnx", ".gguf",
            ".md", ".png", ".jpg", ".jpeg", ".gif", ".webp", ".mp4", ".gitattributes", ".pdf");

    /** Reports download progress, file by file. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (path, done, total) -> {};

        /** {@code done} of {@code total} bytes of {@code path} are on disk (called often; the last call has done == total). */
        void update(String path, long done, long total);
    }

    private final HubOptions options;
    private final HubCache cache;
    private final HttpClient http;

    public HubClient(HubOptions options) {
        this.options = options;
        this.cache = new HubCache(options.cacheDir());
        this.http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).connectTimeout(Duration.ofSeconds(20)).build();
    }

    /**
     * The pipeline folder of {@code id} at the options' revision: the cached snapshot when complete (always, when
     * offline), else downloaded. Throws {@link ReelException} saying what to do when it cannot.
     */
    public Path resolve(String id, Progress progress) {
        String rev = options.revision();
        Optional<Path> cached = cache.pipeline(id, rev);
        if (options.offline()) {
            return cached.orElseThrow(() -> new ReelException(id + " (revision " + rev + ") is not in the Hugging Face cache "
                    + options.cacheDir() + " and the hub is off limits (--offline or HF_HUB_OFFLINE): run once online, or set HF_HUB_CACHE/HF_HOME to the cache that has it"));
        }
        Revision r;
        try {
            r = revision(id, rev);
        } catch (IOException e) {
            if (cached.isPresent()) {
                log.warn("the hub {} is not reachable ({}); using the cached snapshot {}", options.endpoint(), why(e), cached.get());
                return cached.get();
            }
            throw new ReelException("cannot reach the Hugging Face hub at " + options.endpoint() + " for " + id + " (" + why(e)
                    + "); check the network or HF_ENDPOINT, or use a local folder");
        }
        try {
            for (String f : r.files()) fetch(id, r.commit(), f, progress);
            cache.writeRef(id, rev, r.commit());
        } catch (IOException e) {
            throw new ReelException("downloading " + id + " into " + cache.repo(id) + " failed: " + why(e) + " (run again to resume)");
        }
        Path snap = cache.snapshot(id, r.commit());
        if (!Files.isRegularFile(snap.resolve("model_index.json"))) {
            throw new ReelException(id + " has no model_index.json at revision " + rev + ": it is not a Diffusers pipeline (Reel runs Wan2.1 Diffusers checkpoints such as Wan-AI/Wan2.1-T2V-1.3B-Diffusers)");
        }
        return snap;
    }

    /** An I/O failure in words (a refused connection has no message, only its type). */
    private static String why(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName().replaceAll("(?<=[a-z])(?=[A-Z])", " ").toLowerCase(Locale.ROOT);
    }

    /** A revision's commit and the files Reel needs from it. */
    record Revision(String commit, List<String> files) {}

    Revision revision(String id, String rev) throws IOException {
        URI uri = URI.create(options.endpoint() + "/api/models/" + id + "/revision/" + URLEncoder.encode(rev, StandardCharsets.UTF_8));
        HttpResponse<byte[]> resp = send(authorized(HttpRequest.newBuilder(uri)).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        check(resp.statusCode(), id, rev, uri);
        JsonNode root = JSON.readTree(resp.body());
        String commit = root.path("sha").asText("");
        if (!HubCache.isCommit(commit)) throw new IOException(uri + " gave no commit sha");
        List<String> files = new ArrayList<>();
        for (JsonNode s : root.path("siblings")) {
            String f = s.path("rfilename").asText("");
            if (!f.isEmpty() && wanted(f)) files.add(f);
        }
        return new Revision(commit, files);
    }

    static boolean wanted(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.contains("..") || p.startsWith("/")) return false;
        for (String ext : SKIPPED) if (p.endsWith(ext)) return false;
        return true;
    }

    private void fetch(String id, String commit, String path, Progress progress) throws IOException {
        URI uri = URI.create(options.endpoint() + "/" + id + "/resolve/" + commit + "/" + encodePath(path));
        HttpResponse<Void> head = send(authorized(HttpRequest.newBuilder(uri)).method("HEAD", HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.discarding());
        if (head.statusCode() >= 400) check(head.statusCode(), id, commit, uri);
        String etag = head.headers().firstValue("X-Linked-Etag").or(() -> head.headers().firstValue("ETag")).map(HubClient::cleanEtag)
                .orElseThrow(() -> new IOException(uri + " gave no ETag"));
        long size = head.headers().firstValueAsLong("X-Linked-Size").orElse(head.headers().firstValueAsLong("Content-Length").orElse(-1));
        if (!etag.matches("[0-9A-Za-z._-]+")) throw new IOException(uri + " gave an unusable ETag " + etag);
        Path blob = cache.blobs(id).resolve(etag);
        if (!Files.isRegularFile(blob) || (size >= 0 && Files.size(blob) != size)) download(uri, path, blob, etag, size, progress);
        else progress.update(path, size, size);
        cache.link(id, commit, path, etag);
    }

    private void download(URI uri, String path, Path blob, String etag, long size, Progress progress) throws IOException {
        Files.createDirectories(blob.getParent());
        Path part = blob.resolveSibling(etag + ".incomplete");
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        if (size >= 0 && have > size) { Files.delete(part); have = 0; }
        if (size < 0 || have < size) {
            HttpResponse<InputStream> resp = get(uri, have);
            if (resp.statusCode() == 200 && have > 0) have = 0;  // the server ignored the range: start over
            else if (resp.statusCode() != 200 && resp.statusCode() != 206) {
                resp.body().close();
                throw new IOException("GET " + uri + " answered HTTP " + resp.statusCode());
            }
            long done = have;
            try (InputStream in = resp.body();
                 OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, have > 0 ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    done += n;
                    progress.update(path, done, size);
                }
            }
        }
        verify(part, path, etag, size);
        FileOps.moveIntoPlace(part, blob);
        progress.update(path, Files.size(blob), Files.size(blob));
    }

    /** A GET following the hub's redirect to its CDN, the token sent to the hub only. */
    private HttpResponse<InputStream> get(URI uri, long from) throws IOException {
        URI at = uri;
        for (int hop = 0; hop < 5; hop++) {
            HttpRequest.Builder b = HttpRequest.newBuilder(at).GET();
            if (at.getHost() != null && at.getHost().equals(options.endpoint().getHost()) && at.getPort() == options.endpoint().getPort()) authorized(b);
            if (from > 0) b.header("Range", "bytes=" + from + "-");
            HttpResponse<InputStream> r = send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() / 100 != 3) return r;
            r.body().close();
            String loc = r.headers().firstValue("Location").orElseThrow(() -> new IOException("GET " + uri + ": redirect without a Location"));
            at = at.resolve(loc);
        }
        throw new IOException("GET " + uri + ": too many redirects");
    }

    /** Size, then the hash the etag is: SHA-256 of the content (LFS files) or git's blob SHA-1 (small files). */
    static void verify(Path file, String path, String etag, long size) throws IOException {
        long actual = Files.size(file);
        if (size >= 0 && actual != size) {
            throw new IOException(path + ": got " + actual + " bytes, the hub says " + size + " (the partial file is kept; run again to resume)");
        }
        String algo = etag.matches("[0-9a-f]{64}") ? "SHA-256" : etag.matches("[0-9a-f]{40}") ? "SHA-1" : null;
        if (algo == null) return;  // an etag that is not a content hash: the size check is all there is
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algo);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (algo.equals("SHA-1")) md.update(("blob " + actual + "\0").getBytes(StandardCharsets.US_ASCII));
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equals(etag)) {
            Files.deleteIfExists(file);
            throw new IOException(path + ": " + algo + " " + got + " does not match the hub's " + etag + " (the download is discarded; run again)");
        }
    }

    private void check(int status, String id, String rev, URI uri) throws IOException {
        if (status == 200) return;
        if (status == 401 || status == 403) {
            throw new ReelException(id + " is gated or private (HTTP " + status + " from " + options.endpoint() + "): "
                    + (options.token() == null ? "accept its license on the model's page and set HF_TOKEN to an access token" : "the HF_TOKEN given has no access to it; accept the model's license with that account"));
        }
        if (status == 404) throw new ReelException(id + " (revision " + rev + ") is not on the hub " + options.endpoint() + ": check the id (ORG/NAME) and --revision");
        throw new IOException(uri + " answered HTTP " + status);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder b) {
        if (options.token() != null) b.header("Authorization", "Bearer " + options.token());
        return b.header("User-Agent", "reel/0.1.0");
    }

    private <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> h) throws IOException {
        try {
            return http.send(r, h);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private static String encodePath(String path) {
        StringBuilder sb = new StringBuilder();
        for (String seg : path.split("/")) {
            if (!sb.isEmpty()) sb.append('/');
            sb.append(URLEncoder.encode(seg, StandardCharsets.UTF_8).replace("+", "%20"));
        }
        return sb.toString();
    }

    /** {@code W/"abc"} → {@code abc}. */
    static String cleanEtag(String e) {
        String s = e.strip();
        if (s.startsWith("W/")) s = s.substring(2);
        return s.replace("\"", "");
    }
}
