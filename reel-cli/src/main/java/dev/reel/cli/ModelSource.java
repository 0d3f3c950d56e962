package dev.reel.cli;

import dev.reel.core.ReelException;
import dev.reel.models.hub.HubCache;
import dev.reel.models.hub.HubClient;
import dev.reel.models.hub.HubOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** What {@code --model} names: a local pipeline folder, or a Hugging Face id resolved through the hub cache. */
final class ModelSource {
    private ModelSource() {}

    /**
     * The pipeline folder for {@code model}: the folder itself when it exists, else, for {@code ORG/NAME}, the hub
     * cache's snapshot (downloaded when missing, with progress on {@code progress} unless it is null).
     */
    static Path resolve(String model, HubOptions hub, PrintWriter progress) {
        Path p = Path.of(model);
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
