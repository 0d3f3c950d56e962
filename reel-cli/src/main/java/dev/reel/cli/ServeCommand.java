package dev.reel.cli;

import dev.reel.core.Device;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.server.HttpAccess;
import dev.reel.server.ReelServer;
import dev.reel.server.Retention;
import dev.reel.server.ServerConfig;
import dev.reel.server.engine.PipelineModel;
import dev.reel.server.engine.VideoModel;
import java.io.PrintWriter;
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

/** {@code reel serve}: the {@code /v1/videos} HTTP service with its web page. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Serve text-to-video over HTTP: OpenAI /v1/videos (+ Dynamo nvext), SSE progress, metrics, a web page.")
final class ServeCommand implements Callable<Integer> {
    /** 832×480×81: the Wan2.1 default video. */
    static final long DEFAULT_MAX_PIXEL_FRAMES = 832L * 480 * 81;
    static final int DEFAULT_MAX_STEPS = 100;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Diffusers pipeline folder (model_index.json …), or 'demo' (tiny, random weights: noise).")
    String model;

    @Option(names = "--model-name", paramLabel = "ID", description = "Model id clients use (default: the folder's name, or reel-demo).")
    String modelName;

    @Mixin DeviceOptions device;

    @Spec CommandSpec spec;

    @Option(names = "--devices", split = ",", paramLabel = "DEV",
            description = "Serve on several devices, one worker each, e.g. cuda:0,cuda:1 (default: the --device).")
    List<String> devices;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}; 0.0.0.0 for all).")
    String host;

    @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT, description = "Port (default: ${DEFAULT-VALUE}; 0 picks a free one).")
    int port;

    @Option(names = "--data-dir", defaultValue = "reel-data", description = "Where jobs and videos are kept (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(names = "--api-key", defaultValue = "${env:REEL_API_KEY}",
            description = "Require Authorization: Bearer KEY on every route but /health (default: env REEL_API_KEY; none if unset).")
    String apiKey;

    @Option(names = "--queue-size", defaultValue = "" + ServerConfig.DEFAULT_QUEUE, description = "Jobs that may wait for a worker before 429 (default: ${DEFAULT-VALUE}).")
    int queueSize;

    @Option(names = "--max-steps", defaultValue = "" + DEFAULT_MAX_STEPS, description = "Most denoising steps per request (default: ${DEFAULT-VALUE}).")
    int maxSteps;

    @Option(names = "--max-pixel-frames", defaultValue = "" + DEFAULT_MAX_PIXEL_FRAMES,
            description = "Largest width × height × frames per request (default: ${DEFAULT-VALUE} = 832×480×81).")
    long maxPixelFrames;

    @Option(names = "--max-side", defaultValue = "1280", description = "Largest width or height in pixels (default: ${DEFAULT-VALUE}).")
    int maxSide;

    @Option(names = "--max-body", defaultValue = "" + ServerConfig.DEFAULT_MAX_BODY, description = "Largest request body in bytes (default: ${DEFAULT-VALUE}).")
    int maxBody;

    @Option(names = "--shutdown-grace", defaultValue = "30", description = "Seconds a stop lets running jobs finish (default: ${DEFAULT-VALUE}).")
    long shutdownGrace;

    @Option(names = "--allowed-hosts", split = ",", paramLabel = "NAME",
            description = "Host names accepted in the Host header besides IP addresses, localhost and --host (* for any); guards against DNS rebinding.")
    List<String> allowedHosts = List.of();

    @Option(names = "--cors-origin", split = ",", paramLabel = "ORIGIN",
            description = "Origins (scheme://host[:port], or *) whose web pages may call the API; others are refused with 403.")
    List<String> corsOrigins = List.of();

    @Option(names = "--public-url", paramLabel = "URL",
            description = "Base URL put into response_format=url answers (default: the address a request arrived on).")
    java.net.URI publicUrl;

    @Option(names = "--retention", defaultValue = "7d", paramLabel = "AGE",
            description = "How long finished jobs and their videos are kept, e.g. 12h, 7d, 30m; 0 keeps them forever (default: ${DEFAULT-VALUE}).")
    String retention;

    @Option(names = "--header-timeout", defaultValue = "20", paramLabel = "SECONDS",
            description = "Longest time a client may take to send a request's headers, however slowly (default: ${DEFAULT-VALUE}).")
    long headerTimeout;

    @Option(names = "--queue", paramLabel = "redis://HOST:PORT",
            description = "Be a frontend: put jobs on this Redis queue for 'reel worker's to run (--data-dir must then be shared with them).")
    java.net.URI queue;

    @Override public Integer call() throws InterruptedException {
        List<Device> devs = new ArrayList<>();
        if (devices == null || devices.isEmpty()) devs.add(device.device());
        else for (String d : devices) devs.add(Device.parse(d));
        ServerConfig config = new ServerConfig(host, port, dataDir, apiKey, devs, queueSize, maxBody, Duration.ofSeconds(shutdownGrace),
                new HttpAccess(allowedHosts, corsOrigins, publicUrl, Duration.ofSeconds(headerTimeout)), Retention.parse("--retention", retention), queue);
        GeneratorOptions d = device.generatorOptions();
        // the pipeline owns the generation limits (its frame bound stays); the server keeps the HTTP ones
        GeneratorOptions options = d.withLimits(d.limits().withMaxSide(maxSide).withMaxSteps(maxSteps).withMaxPixelFrames(maxPixelFrames));
        VideoModel served = model.equals("demo") ? PipelineModel.demo(modelName, options) : PipelineModel.pretrained(Path.of(model), modelName, options);

        ReelServer server = ReelServer.start(config, served);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close(); // SIGTERM / Ctrl-C: graceful stop
            stopped.countDown();
        }, "reel-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println("reel serve: " + server.baseUri() + "/ (model " + served.id() + " loading on " + devs + ", " + DeviceOptions.name(options.dtype()) + ")");
        if (!server.awaitReady(Duration.ofDays(1))) {
            spec.commandLine().getErr().println("reel serve: " + server.jobs().loadError());
            Runtime.getRuntime().removeShutdownHook(hook);
            server.close();
            return 1;
        }
        out.println("reel serve: ready");
        stopped.await();
        return 0;
    }
}
