package dev.reel.cli;

import dev.reel.core.ReelException;
import dev.reel.models.hub.HubCache;
import dev.reel.models.hub.HubClient;
import dev.reel.models.hub.HubOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --model} names: a local pipeline folder, a Hugging Face id resolved through the hub cache, or one of
 * the two demos. {@value #DEMO} is the model Reel trained itself ({@code models/reel-demo/} of the installation, which
 * {@code bin/reel} names in the {@value #HOME_PROPERTY} property) once its weights are there, and until then the same
 * as {@value #DEMO_RANDOM}: a tiny Wan2.1 pipeline whose weights are seeded random numbers made at load (what tests
 * and quick checks of the machinery use).
 */
final class ModelSource {
    static final String DEMO = "demo", DEMO_RANDOM = "demo-random";
    /** The system property holding the installation's root (set by {@code bin/reel}). */
    static final String HOME_PROPERTY = "reel.home";

    private ModelSource() {}

    /** True when {@code model} means the random-weight demo (built from configs, no folder to read). */
    static boolean isRandomDemo(String model) {
        return model.equals(DEMO_RANDOM) || (model.equals(DEMO) && trainedDemo() == null);
    }

    /** The trained demo's folder, or null while the installation has none. */
    static Path trainedDemo() {
        String home = System.getProperty(HOME_PROPERTY);
        if (home == null) return null;
        Path dir = Path.of(home, "models", "reel-demo");
        return Files.isRegularFile(dir.resolve("model_index.json")) && Files.isRegularFile(dir.resolve("transformer/diffusion_pytorch_model.safetensors"))
                ? dir : null;
    }

    /** The folder a local {@code model} names: the trained demo for {@value #DEMO}, else the path itself. */
    static Path local(String model) {
        Path demo = model.equals(DEMO) ? trainedDemo() : null;
        return demo != null ? demo : Path.of(model);
    }

    /**
     * The pipeline folder for {@code model}: the trained demo for {@value #DEMO}, the folder itself when it exists, else,
     * for {@code ORG/NAME}, the hub cache's snapshot (downloaded when missing, with progress on {@code progress} unless
     * it is null). Not for the random demo ({@link #isRandomDemo}), which has no folder.
     */
    static Path resolve(String model, HubOptions hub, PrintWriter progress) {
        Path p = local(model);
        if (Files.isDirectory(p)) return p;
        if (!HubCache.isModelId(model)) {
            throw new ReelException("--model " + model + ": not a folder, and not a Hugging Face id (ORG/NAME, e.g. Wan-AI/Wan2.1-T2V-1.3B-Diffusers)");
        }
        return new HubClient(hub).resolve(model, progress == null ? HubClient.Progress.NONE : new DownloadBar(progress, ProgressPrinter.stdoutIsTerminal()));
    }

    /** One line per file: redrawn on a terminal, else printed when the file is done. */
    private static final class DownloadBar implements HubClient.Progress {
        private final PrintWriter out;
        private final boolean terminal;
        private String file;
        private long start;
        private long lastDraw;

        DownloadBar(PrintWriter out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        @Override public void update(String path, long done, long total) {
            boolean finished = total >= 0 && done >= total;
            long now = System.nanoTime();
            if (!path.equals(file)) {
                file = path;
                start = now;
            }
            if (!finished && (!terminal || now - lastDraw < 200_000_000L)) return;
            lastDraw = now;
            double secs = Math.max(1e-3, (now - start) / 1e9);
            String pct = total > 0 ? String.format("%3d%%", done * 100 / total) : "   ?";
            String line = String.format("downloading %-60s %s %s  %.1f MB/s", path, pct, mib(done) + (total > 0 ? "/" + mib(total) : ""), done / secs / 1e6);
            out.print(terminal ? "\r" + line + (finished ? "\n" : "") : line + "\n");
            out.flush();
        }

        private static String mib(long b) { return String.format("%.1f MiB", b / 1048576.0); }
    }
}
