package dev.reel.server;

import static dev.reel.server.TestServer.TINY;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scale-out on a real {@code redis-server} (Debian's, started here on a free loopback port with AOF): one
 * frontend and two workers, each in its own JVM. A worker killed with SIGKILL mid-job leaves the job pending; the
 * other claims it after the lease and finishes it, writing exactly one video. A killed frontend, restarted,
 * sees every job. A Redis killed and restarted from its append-only file has lost nothing.
 */
class RedisScaleOutTest {
    private static final long LEASE_MS = 2000;
    /** Runs several seconds on the fixture model, long enough to kill its worker in the middle. */
    private static final String SLOW = TINY.replace("\"size\": \"48x64\"", "\"size\": \"64x64\"")
            .replace("\"num_frames\": 5", "\"num_frames\": 9").replace("\"num_inference_steps\": 2", "\"num_inference_steps\": 40");

    @TempDir Path dir;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();
    private RedisServer redis;

    @AfterEach void stopAll() throws Exception {
        for (Process p : processes) p.destroyForcibly();
        if (redis != null) redis.close();
    }

    @Test void jobsSurviveAKilledWorkerAKilledFrontendAndARedisRestart() throws Exception {
        RedisServer.assumeInstalled();
        redis = RedisServer.start(dir.resolve("redis"));
        URI queue = redis.uri();
        Path data = Files.createDirectories(dir.resolve("shared"));
        Worker a = worker(queue, data, "a"), b = worker(queue, data, "b");
        URI front = frontend(queue, data);
        awaitHealthy(front);

        String slow = id(post(front, SLOW));
        List<String> quick = new ArrayList<>();
        for (int i = 0; i < 3; i++) quick.add(id(post(front, TINY.replace("\"seed\": 7", "\"seed\": " + i))));

        // kill -9 the worker that runs the slow job, mid-job
        Worker victim = awaitRunning(slow, a, b);
        victim.process.destroyForcibly().waitFor();
        for (String id : quick) assertEquals("completed", awaitDone(front, id).path("status").asText());
        JsonNode done = awaitDone(front, slow);
        assertEquals("completed", done.path("status").asText(), done.toString());
        try (Stream<Path> files = Files.list(data.resolve("jobs").resolve(slow))) {
            assertEquals(Set.of("video.mp4", "thumbnail.png"), new HashSet<>(files.map(p -> p.getFileName().toString()).toList()),
                    "exactly one video, nothing half-written");
        }

        // kill -9 the frontend; a new one sees every job
        processes.get(processes.size() - 1).destroyForcibly().waitFor();
        front = frontend(queue, data);
        awaitHealthy(front);
        assertEquals(4, listIds(front).size());

        // kill -9 Redis and restart it from its append-only file: nothing is lost, work goes on
        redis.kill();
        redis.restart();
        awaitHealthy(front);
        Set<String> ids = listIds(front);
        assertTrue(ids.contains(slow) && ids.containsAll(quick), ids.toString());
        assertEquals("completed", get(front, "/v1/videos/" + slow).path("status").asText());
        String after = id(post(front, TINY.replace("\"seed\": 7", "\"seed\": 99")));
        assertEquals("completed", awaitDone(front, after).path("status").asText());
    }

    private record Worker(Process process, ConcurrentLinkedQueue<String> log) {}

    private Worker worker(URI queue, Path data, String name) throws IOException {
        Process p = jvm("worker", queue.toString(), data.toString(), name, "" + LEASE_MS).start();
        processes.add(p);
        ConcurrentLinkedQueue<String> log = new ConcurrentLinkedQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()))) {
                for (String line; (line = r.readLine()) != null; ) log.add(line);
            } catch (IOException ignored) {
                // the process was killed
            }
        });
        return new Worker(p, log);
    }

    private URI frontend(URI queue, Path data) throws Exception {
        Process p = jvm("frontend", queue.toString(), data.toString()).start();
        processes.add(p);
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
        for (String line; (line = r.readLine()) != null; ) {
            if (line.startsWith("PORT ")) {
                Thread.ofVirtual().start(() -> drain(r));
                return URI.create("http://127.0.0.1:" + line.substring(5).trim());
            }
        }
        throw new AssertionError("the frontend ended before it listened");
    }

    private static void drain(BufferedReader r) {
        try {
            while (r.readLine() != null) { /* keep the pipe from filling */ }
        } catch (IOException ignored) {
            // killed
        }
    }

    private static ProcessBuilder jvm(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g",
                "-Dreel.fixtures=" + dev.reel.core.fixtures.TestFixtures.locate().root(),
                "-cp", System.getProperty("java.class.path"), ScaleOutProcess.class.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    private Worker awaitRunning(String id, Worker... workers) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            for (Worker w : workers) {
                if (w.log.stream().anyMatch(l -> l.contains("running job " + id))) {
                    Thread.sleep(300); // a few steps in
                    return w;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no worker started " + id);
    }

    private void awaitHealthy(URI front) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                if (http.send(HttpRequest.newBuilder(front.resolve("/health")).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) return;
            } catch (IOException ignored) {
                // not up yet
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the frontend never became healthy");
    }

    private JsonNode post(URI front, String body) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(front.resolve("/v1/videos")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return TestServer.JSON.readTree(r.body());
    }

    private JsonNode get(URI front, String path) throws Exception {
        return TestServer.JSON.readTree(http.send(HttpRequest.newBuilder(front.resolve(path)).build(), HttpResponse.BodyHandlers.ofString()).body());
    }

    private JsonNode awaitDone(URI front, String id) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode v = get(front, "/v1/videos/" + id);
            String s = v.path("status").asText();
            if (s.equals("completed") || s.equals("failed")) return v;
            Thread.sleep(100);
        }
        throw new AssertionError("job " + id + " not done");
    }

    private Set<String> listIds(URI front) throws Exception {
        Set<String> out = new HashSet<>();
        for (JsonNode v : get(front, "/v1/videos?limit=100").path("data")) out.add(v.path("id").asText());
        return out;
    }

    private static String id(JsonNode v) { return v.path("id").asText(); }
}
