package dev.reel.pipeline;

import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The configs of the random-weight demo pipeline ({@link VideoGenerator#demo}: the tiny Wan2.1 of the reference
 * fixtures), kept as resources under {@code demo/} in this jar, and what tools read from them without building it.
 */
public final class DemoConfigs {
    /** The files, Diffusers layout, no weights. */
    private static final List<String> FILES = List.of("model_index.json", "transformer/config.json", "vae/config.json",
            "text_encoder/config.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer.json", "tokenizer/tokenizer_config.json",
            ModelProfile.DEFAULTS_FILE);

    private DemoConfigs() {}

    /** Unpacks the configs into a new temporary folder; the caller deletes it. */
    public static Path unpack() {
        try {
            Path dir = Files.createTempDirectory("reel-demo-");
            for (String f : FILES) {
                Path target = dir.resolve(f);
                Files.createDirectories(target.getParent());
                try (InputStream in = DemoConfigs.class.getResourceAsStream("demo/" + f)) {
                    if (in == null) throw new ReelException("demo pipeline resource demo/" + f + " is missing from the reel-pipeline jar");
                    Files.copy(in, target);
                }
            }
            return dir;
        } catch (IOException e) {
            throw new ReelException("cannot unpack the demo pipeline: " + e.getMessage(), e);
        }
    }

    /** The demo pipeline's {@link ModelProfile} (its small defaults and geometry), without building it. */
    public static ModelProfile profile() {
        Path dir = unpack();
        try {
            return ModelProfile.read(dir);
        } finally {
            FileOps.deleteTreeQuietly(dir);
        }
    }

    /** The demo pipeline's geometry, read from its configs (nothing is built). */
    public static VideoGeometry geometry() { return profile().geometry(); }
}
