package dev.reel.cli;

import dev.reel.core.Device;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.server.Retention;
import dev.reel.server.engine.PipelineModel;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.jobs.JobStore;
import dev.reel.server.jobs.RedisWorker;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel worker}: runs jobs from a {@code reel serve --queue} frontend's Redis queue. */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = "Run jobs from a Redis queue that 'reel serve --queue' frontends fill; start as many as you have GPUs or hosts.")
final class WorkerCommand implements Callable<Integer> {
    @Option(names = "--queue", required = true, paramLabel = "redis://HOST:PORT", description = "The Redis queue (the frontend's --queue).")
    URI queue;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder, 'demo' or 'demo-random' (as for serve).")
    String model;

    @Option(names = "--model-name", paramLabel = "ID", description = "Model id (default: the folder's name, or reel-demo); must match the frontend's.")
    String modelName;

    @Mixin DeviceOptions device;

    @Option(names = "--devices", split = ",", paramLabel = "DEV", description = "Several devices, one job at a time on each (default: the --device).")
    List<String> devices;

    @Option(names = "--data-dir", defaultValue = "reel-data", description = "The data directory shared with the frontend (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--name", paramLabel = "NAME", description = "This worker's name in the queue (default: host name + process id).")
    String name;

    @Option(names = "--lease", defaultValue = "30", paramLabel = "SECONDS",
            description = "A running job's claim is renewed every third of this; a claim this old is taken over by another worker (default: ${DEFAULT-VALUE}).")
    double lease;

    @Option(names = "--max-attempts", defaultValue = "3", description = "Times a job may be started before it is failed (default: ${DEFAULT-VALUE}).")
    int maxAttempts;

    @Option(names = "--retention", defaultValue = "7d", paramLabel = "AGE", description = "expires_at put on finished jobs (default: ${DEFAULT-VALUE}; 0: none).")
    String retention;

    @Spec CommandSpec spec;

    @Override public Integer call() throws InterruptedException {
        List<Device> devs = new ArrayList<>();
        if (devices == null || devices.isEmpty()) devs.add(device.device());
        else for (String d : devices) devs.add(Device.parse(d));
        GeneratorOptions options = device.generatorOptions();
        VideoModel served = ModelSource.isRandomDemo(model) ? PipelineModel.demo(modelName, options) : PipelineModel.pretrained(ModelSource.local(model), modelName, options);
        String me = name != null ? name : hostName() + "-" + ProcessHandle.current().pid();
        RedisWorker worker = new RedisWorker(queue, served, devs, new JobStore(dataDir), me, Duration.ofMillis((long) (lease * 1000)),
                maxAttempts, Retention.parse("--retention", retention));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            worker.close(); // SIGTERM: the running job is left pending for another worker
            stopped.countDown();
        }, "reel-worker-shutdown"));
        worker.start();
        spec.commandLine().getOut().println("reel worker " + me + ": taking jobs from " + queue + " on " + devs);
        stopped.await();
        return 0;
    }

    private static String hostName() {
        try {
            return java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return "worker";
        }
    }
}
