package dev.reel.models.loader;

import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.function.Predicate;
import java.util.stream.Stream;

/** File operations on whole pipeline folders, for the tools that write new ones (reel init, train-vae, train). */
public final class PipelineFolder {
    /** A Diffusers component's weights file (transformer, VAE). */
    public static final String DIFFUSERS_WEIGHTS = "diffusion_pytorch_model.safetensors";
    /** A Transformers component's weights file (text encoder). */
    public static final String TRANSFORMERS_WEIGHTS = "model.safetensors";

    private PipelineFolder() {}

    /** Copies the tree {@code from} into {@code to} (real files, links followed), leaving out the files {@code skip} accepts. */
    public static void copy(Path from, Path to, Predicate<Path> skip) throws IOException {
        try (Stream<Path> s = Files.walk(from, java.nio.file.FileVisitOption.FOLLOW_LINKS)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else if (!skip.test(p)) Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** True for weight files (what a copy that rewrites weights leaves out). */
    public static boolean isWeights(Path p) {
        String n = p.getFileName().toString();
        return n.endsWith(".safetensors") || n.endsWith(".safetensors.index.json");
    }

    /** Throws unless {@code out} is absent or an empty folder (tools never overwrite a model). */
    public static void requireNew(Path out) {
        if (!Files.exists(out)) return;
        try (Stream<Path> s = Files.list(out)) {
            if (s.findAny().isEmpty()) return;
        } catch (IOException e) {
            throw new ReelException("--output " + out + " cannot be read: " + e.getMessage(), e);
        }
        throw new ReelException("--output " + out + " exists and is not empty; choose a new folder");
    }

    /** Moves the finished folder {@code tmp} to {@code out} (an empty {@code out} is replaced). */
    public static void moveIntoPlace(Path tmp, Path out) throws IOException {
        requireNew(out);
        if (Files.exists(out)) Files.delete(out);
        FileOps.moveIntoPlace(tmp, out.toAbsolutePath());
    }
}
