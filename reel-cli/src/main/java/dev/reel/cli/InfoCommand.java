package dev.reel.cli;

import dev.reel.pipeline.DemoConfigs;
import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.Device;
import dev.reel.core.DType;
import dev.reel.core.FileOps;
import dev.reel.core.Tensor;
import dev.reel.models.loader.ComponentInfo;
import dev.reel.models.loader.ModelIndex;
import dev.reel.pipeline.ModelTask;
import dev.reel.pipeline.VideoGenerator;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel info}: the runtime and a tensor self-check; with {@code --model}, the pipeline's components. */
@Command(name = "info", description = {"Show the runtime and run a tensor self-check.",
        "With --model DIR: the pipeline's components, their classes, parameter counts and stored dtypes (no weights are loaded)."})
final class InfoCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = {"--model", "--model-path"}, paramLabel = "MODEL", description = "Diffusers pipeline folder, a Hugging Face id (ORG/NAME), 'demo' or 'demo-random'")
    String model;

    @picocli.CommandLine.Mixin HubFlags hub;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        out.println("reel 0.1.0 on Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPU cores");
        var cpu = Backends.cpu();
        Tensor a = cpu.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, DType.F32, 2, 3);
        float[] v = a.transpose(0, 1).contiguous().toFloatArray();
        boolean ok = v[0] == 1 && v[1] == 4 && v[2] == 2 && v[5] == 6;
        out.println("tensor self-check (transpose + copy on cpu): " + (ok ? "ok" : "FAILED"));
        out.println("Java heap: at most " + maxHeapMiB() + " MiB (bin/reel: REEL_HEAP=48g, or REEL_MAX_RAM_PERCENT, default 75 % of the memory)");
        out.println("GPU: " + gpu());
        if (model != null) {
            if (ModelSource.isRandomDemo(model)) {
                Path dir = DemoConfigs.unpack();
                try {
                    out.println("model: demo (tiny Wan2.1; weights are seeded random numbers made at load)");
                    components(out, dir);
                } finally {
                    FileOps.deleteTreeQuietly(dir);
                }
            } else {
                Path dir = ModelSource.resolve(model, hub.options(), spec.commandLine().getErr());
                out.println("model: " + dir.toAbsolutePath().normalize());
                components(out, dir);
            }
        }
        out.flush();
        return ok ? 0 : 1;
    }

    /** The configured heap limit (-Xmx or the RAM percentage), as the JVM resolved it. */
    private static long maxHeapMiB() {
        var hs = java.lang.management.ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        return Long.parseLong(hs.getVMOption("MaxHeapSize").getValue()) >> 20;
    }

    /** The first CUDA device (its name as the backend reports it), or why there is none usable. */
    private static String gpu() {
        String why = Backends.unavailableReason(Device.Type.CUDA, dev.reel.core.SystemOptions.defaults());
        if (why != null) return "none usable (" + why + "); Reel runs on the CPU";
        try {
            Backend b = Backends.of(Device.cuda(0));
            return "cuda:0 " + b.deviceName();
        } catch (RuntimeException e) {
            return "CUDA driver found but cuda:0 does not start: " + e.getMessage();
        }
    }

    private static void components(PrintWriter out, Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        List<ComponentInfo> infos = ComponentInfo.describe(dir);
        out.println("pipeline: " + index.pipelineClass());
        out.println("task: " + taskLine(dir));
        out.printf("%-15s %-26s %-46s %15s  %s%n", "component", "class", "implementation", "parameters", "stored dtypes");
        long total = 0;
        for (ComponentInfo c : infos) {
            String params = c.parameters() < 0 ? "-" : String.format("%,d", c.parameters());
            if (c.parameters() > 0) total += c.parameters();
            String dtypes = c.storedDtypes().isEmpty() ? (c.parameters() < 0 ? "" : "none stored")
                    : c.storedDtypes().entrySet().stream().map(InfoCommand::dtypeCount).collect(Collectors.joining(", "));
            String detail = c.detail().isEmpty() ? "" : (dtypes.isEmpty() ? "" : "; ") + c.detail();
            out.printf("%-15s %-26s %-46s %15s  %s%s%n", c.name(), c.className(), c.javaClass(), params, dtypes, detail);
        }
        out.printf("%-15s %-26s %-46s %15s%n", "total", "", "", String.format("%,d", total));
    }

    /** {@code Wan2.1 i2v (image-to-video): takes --image}, or why the configs do not say. */
    private static String taskLine(Path dir) {
        try {
            ModelTask t = ModelTask.read(dir);
            String takes = t.maxImages() == 0 ? "a prompt" : t.minImages() == 2 ? "--image and --last-image"
                    : t.maxImages() == 2 ? "--image, optionally --last-image" : "--image";
            return t.describe() + ": takes " + takes;
        } catch (RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
    }

    private static String dtypeCount(Map.Entry<DType, Long> e) {
        return DeviceOptions.name(e.getKey()) + " " + String.format("%,d", e.getValue());
    }
}
