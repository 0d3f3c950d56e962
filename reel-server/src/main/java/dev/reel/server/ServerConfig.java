package dev.reel.server;

import dev.reel.core.Device;
import dev.reel.core.ReelException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The HTTP service's parameters of {@code reel serve}, fixed at startup. Limits on what a request may ask the model
 * for (sizes, frames, steps, pixel-frames) are the pipeline's ({@code GenerationLimits}); these are the service's own.
 *
 * @param host           address to listen on
 * @param port           port to listen on; 0 picks a free one
 * @param dataDir        where jobs and videos are kept ({@code <dataDir>/jobs/<id>/})
 * @param apiKey         when set, every route but {@code /health} needs {@code Authorization: Bearer <apiKey>}
 * @param devices        one worker per device
 * @param queueCapacity  most jobs waiting for a worker; beyond it submissions get 429
 * @param maxBodyBytes   largest request body; beyond it 413
 * @param shutdownGrace  how long a graceful stop lets running jobs finish before interrupting them
 * @param access         which hosts and origins may talk to the server, how slowly, and the URL it gives out
 * @param retention      how long finished jobs (and their files) are kept; {@link Duration#ZERO}: forever
 * @param queue          {@code redis://host:port}: be a frontend whose jobs run on {@code reel worker}s through
 *                       Redis (then {@code dataDir} must be shared with them); null: run jobs in this process
 */
public record ServerConfig(String host, int port, Path dataDir, String apiKey, List<Device> devices,
                           int queueCapacity, int maxBodyBytes, Duration shutdownGrace,
                           HttpAccess access, Duration retention, URI queue) {
    public static final int DEFAULT_QUEUE = 64;
    public static final int DEFAULT_MAX_BODY = 1 << 20;
    public static final int DEFAULT_PORT = 8000;
    /** Finished jobs are kept a week, then deleted with their files. */
    public static final Duration DEFAULT_RETENTION = Duration.ofDays(7);

    public ServerConfig {
        if (host == null || host.isBlank()) throw new ReelException("host must be given");
        if (port < 0 || port > 65535) throw new ReelException("port = " + port + ": must be in 0..65535");
        if (dataDir == null) throw new ReelException("data dir must be given");
        if (apiKey != null && apiKey.isBlank()) apiKey = null;
        devices = List.copyOf(devices);
        if (devices.isEmpty()) throw new ReelException("at least one device must be given");
        if (queueCapacity < 1) throw new ReelException("queue size = " + queueCapacity + ": must be at least 1");
        if (maxBodyBytes < 1024) throw new ReelException("max body = " + maxBodyBytes + ": must be at least 1024 bytes");
        if (shutdownGrace == null || shutdownGrace.isNegative()) throw new ReelException("shutdown grace must be ≥ 0");
        if (access == null) access = HttpAccess.defaults();
        if (retention == null || retention.isNegative()) throw new ReelException("retention must be ≥ 0 (0: keep jobs forever)");
    }

    /** Loopback, port 8000, the CPU, no API key, the default queue and body limits, jobs run in this process. */
    public static ServerConfig defaults(Path dataDir) {
        return new ServerConfig("127.0.0.1", DEFAULT_PORT, dataDir, null, List.of(Device.CPU), DEFAULT_QUEUE,
                DEFAULT_MAX_BODY, Duration.ofSeconds(30), HttpAccess.defaults(), DEFAULT_RETENTION, null);
    }

    public ServerConfig withAddress(String h, int p) { return new ServerConfig(h, p, dataDir, apiKey, devices, queueCapacity, maxBodyBytes, shutdownGrace, access, retention, queue); }
    public ServerConfig withApiKey(String k) { return new ServerConfig(host, port, dataDir, k, devices, queueCapacity, maxBodyBytes, shutdownGrace, access, retention, queue); }
    public ServerConfig withQueueCapacity(int q) { return new ServerConfig(host, port, dataDir, apiKey, devices, q, maxBodyBytes, shutdownGrace, access, retention, queue); }
    public ServerConfig withMaxBodyBytes(int b) { return new ServerConfig(host, port, dataDir, apiKey, devices, queueCapacity, b, shutdownGrace, access, retention, queue); }
    public ServerConfig withShutdownGrace(Duration g) { return new ServerConfig(host, port, dataDir, apiKey, devices, queueCapacity, maxBodyBytes, g, access, retention, queue); }
    public ServerConfig withAccess(HttpAccess a) { return new ServerConfig(host, port, dataDir, apiKey, devices, queueCapacity, maxBodyBytes, shutdownGrace, a, retention, queue); }
    public ServerConfig withRetention(Duration r) { return new ServerConfig(host, port, dataDir, apiKey, devices, queueCapacity, maxBodyBytes, shutdownGrace, access, r, queue); }
    public ServerConfig withQueue(URI q) { return new ServerConfig(host, port, dataDir, apiKey, devices, queueCapacity, maxBodyBytes, shutdownGrace, access, retention, q); }
}
