package dev.reel.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.RedisClient;

/**
 * A real {@code redis-server} for tests (Debian's, which {@code .ci/run} installs) on a free loopback port, persisting
 * to an append-only file in its folder, so that a killed server restarted in the same folder has lost nothing.
 */
public final class RedisServer implements AutoCloseable {
    private static final Path EXECUTABLE = Path.of("/usr/bin/redis-server");

    private final Path dir;
    private final int port;
    private Process process;

    private RedisServer(Path dir, int port) {
        this.dir = dir;
        this.port = port;
    }

    /** Skips the calling test, with a message, when redis-server is not installed. */
    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(EXECUTABLE), "redis-server is not installed (.ci/run installs Debian's redis-server)");
    }

    /** Starts a server keeping its data in {@code dir}, and waits until it answers. */
    public static RedisServer start(Path dir) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        RedisServer r = new RedisServer(Files.createDirectories(dir), port);
        r.restart();
        return r;
    }

    /** The server's address, {@code redis://127.0.0.1:PORT}. */
    public URI uri() { return URI.create("redis://127.0.0.1:" + port); }

    /** Kills the server as SIGKILL would (no shutdown save). */
    public void kill() throws InterruptedException {
        if (process != null) process.destroyForcibly().waitFor();
    }

    /** (Re)starts the server on the same port and folder, and waits until it answers. */
    public void restart() throws Exception {
        process = new ProcessBuilder(EXECUTABLE.toString(), "--port", "" + port, "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--protected-mode", "no")
                .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            try (RedisClient c = RedisClient.create("127.0.0.1", port)) {
                c.ping();
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) throw new AssertionError("redis-server did not start", e);
                Thread.sleep(50);
            }
        }
    }

    @Override public void close() throws IOException, InterruptedException { kill(); }
}
