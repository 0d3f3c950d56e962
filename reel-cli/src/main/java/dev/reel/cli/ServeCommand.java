package dev.reel.cli;

import dev.reel.core.Device;
import dev.reel.models.lora.LoraException;
import dev.reel.models.lora.LoraFile;
import dev.reel.models.lora.LoraSpec;
import dev.reel.core.ReelException;
import dev.reel.core.dist.ParallelPlan;
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
import picocli.CommandLine;
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

    @Option(names = {"--model", "--model-path"}, required = true, paramLabel = "MODEL",
            description = "Diffusers pipeline folder (model_index.json …), a Hugging Face id (ORG/NAME), 'demo' (the model Reel trained; until its weights are installed, the random one) or 'demo-random' (tiny, random weights: noise).")
    String model;

    @Mixin HubFlags hub;

    @Mixin RandomWeightOptions random;

    @Option(names = "--model-name", paramLabel = "ID", description = "Model id clients use (default: the folder's name, or reel-demo).")
    String modelName;

    @Mixin DeviceOptions device;

    @Spec CommandSpec spec;

    @Mixin ParallelOptions parallel;

    @Option(names = "--lora", paramLabel = "FILE[:SCALE]", description = "apply a LoRA to the transformer (safetensors, Diffusers/PEFT keys), its scale times SCALE (default 1); repeatable")
    List<String> loras = new ArrayList<>();

    @Option(names = "--lora-merge", description = "merge the --lora adapters into the weights instead of applying them on the fly")
    boolean loraMerge;

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

    /** The --lora files, each opened once here so a bad one stops the command before the server starts. */
    private List<LoraSpec> loraSpecs() {
        List<LoraSpec> out = new ArrayList<>();
        for (String text : loras) {
            try {
                LoraSpec s = LoraSpec.parse(text);
                LoraFile.open(s.file()).close();
                out.add(s);
            } catch (LoraException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid --lora " + text + ": " + e.getMessage());
            }
        }
        return out;
    }

    @Override public Integer call() throws InterruptedException {
        if (parallel.listed() != null && device.device != null) throw new ReelException("give either --device or --devices/--num-gpus, not both");
        List<Device> listed = parallel.listed();
        Device main = listed != null ? listed.getFirst() : device.device();
        List<List<Device>> groups = parallel.workerGroups(main);
        ServerConfig config = new ServerConfig(host, port, dataDir, apiKey, groups, queueSize, maxBody, Duration.ofSeconds(shutdownGrace),
                new HttpAccess(allowedHosts, corsOrigins, publicUrl, Duration.ofSeconds(headerTimeout)), Retention.parse("--retention", retention), queue);
        // each group's worker loads the model with the group's devices as its ranks
        GeneratorOptions d = device.generatorOptions(main).withParallel(parallel.groupPlan(), groups.getFirst());
        // the pipeline owns the generation limits (its frame bound stays); the server keeps the HTTP ones
        GeneratorOptions options = d.withLimits(d.limits().withMaxSide(maxSide).withMaxSteps(maxSteps).withMaxPixelFrames(maxPixelFrames));
        random.check(spec.commandLine());
        PipelineModel pipeline = ModelSource.isRandomDemo(model) ? PipelineModel.demo(modelName, options)
                : random.randomWeights ? PipelineModel.randomWeights(ModelSource.local(model), random.substitutes(), random.randomTextEmbeddings, modelName, options)
                : PipelineModel.pretrained(ModelSource.resolve(model, hub.options(), spec.commandLine().getErr()), modelName, options);
        VideoModel served = pipeline.withLoras(loraSpecs(), loraMerge);

        ReelServer server = ReelServer.start(config, served);
        CountDownLatch stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            server.close(); // SIGTERM / Ctrl-C: graceful stop
            stopped.countDown();
        }, "reel-serve-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        PrintWriter out = spec.commandLine().getOut();
        out.println("reel serve: " + server.baseUri() + "/ (model " + served.id() + " loading on " + describeGroups(groups, parallel.groupPlan()) + ", " + DeviceOptions.name(options.dtype()) + ")");
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

    /** "[cuda:0] and [cuda:1]" or "2 groups of cfg=1,sp=2: [cuda:0, cuda:1], [cuda:2, cuda:3]". */
    private static String describeGroups(List<List<Device>> groups, ParallelPlan plan) {
        if (!plan.isParallel()) return groups.stream().map(g -> g.getFirst().toString()).toList().toString();
        return groups.size() + " worker group" + (groups.size() == 1 ? "" : "s") + " of " + plan + ": " + groups;
    }
}
