package dev.reel.server;

import dev.reel.core.Device;
import dev.reel.server.jobs.JobStore;
import dev.reel.server.jobs.RedisWorker;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The processes of the scale-out test, each in its own JVM: {@code worker REDIS DATA NAME LEASE_MS} runs a
 * {@link RedisWorker} with the fixture model; {@code frontend REDIS DATA} runs a {@link ReelServer} with
 * {@code --queue} and prints {@code PORT n}. Both run until killed.
 */
public final class ScaleOutProcess {
    private ScaleOutProcess() {}

    public static void main(String[] args) throws Exception {
        URI redis = URI.create(args[1]);
        Path data = Path.of(args[2]);
        if (args[0].equals("worker")) {
            RedisWorker w = new RedisWorker(redis, TestServer.fixtureModel(), List.of(Device.CPU), new JobStore(data), args[3],
                    Duration.ofMillis(Long.parseLong(args[4])), 3, Duration.ofDays(7));
            w.start();
        } else {
            ReelServer s = ReelServer.start(ServerConfig.defaults(data).withAddress("127.0.0.1", 0).withQueue(redis), TestServer.fixtureModel());
            System.out.println("PORT " + s.port());
            System.out.flush();
        }
        Thread.currentThread().join();
    }
}
