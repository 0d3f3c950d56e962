package dev.reel.cli;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.ModelProfile;
import dev.reel.pipeline.OutputFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The requests of one {@code reel generate}: each prompt × {@code --num-videos}, with seeds {@code seed, seed+1, …}
 * (a random start when none is given, so it can be printed before the work starts) and output names. Without
 * {@code --output} a video is named from its prompt and seed in the current folder ({@code a-red-fox-seed42.mp4}),
 * with {@code -2}, {@code -3}, … added rather than overwriting anything; with {@code --output} and several videos,
 * {@code -1}, {@code -2}, … is added to the given name.
 */
final class Batch {
    private static final int NAME_CHARS = 48;

    private final ModelProfile profile;
    private final List<String> prompts;
    private final Path output;
    private final Path folder;

    /** Default names go into {@code folder} (the current folder: {@code Path.of("")}). */
    Batch(ModelProfile profile, List<String> prompts, Path output, Path folder) {
        this.profile = profile;
        this.prompts = prompts;
        this.output = output;
        this.folder = folder;
    }

    List<GenerationRequest> requests(GenerateCommand flags) {
        long base = flags.seed() != null ? flags.seed() : GenerationRequest.randomSeed();
        int total = prompts.size() * flags.numVideos();
        boolean png = flags.outputFormat() == OutputFormat.PNG;
        Set<Path> taken = new HashSet<>();
        List<GenerationRequest> out = new ArrayList<>();
        int index = 0;
        for (String prompt : prompts) {
            for (int v = 0; v < flags.numVideos(); v++) {
                long seed = base + v;
                index++;
                Path file = output == null ? fresh(folder, slug(prompt) + "-seed" + seed, png ? "" : ".mp4", taken)
                        : total == 1 ? output : numbered(output, index);
                taken.add(file.toAbsolutePath().normalize());
                out.add(flags.request(profile, prompt, seed, file));
            }
        }
        return out;
    }

    /** {@code stem + ext} in {@code folder}, or {@code stem-2 + ext}, … : the first name not taken. */
    static Path fresh(Path folder, String stem, String ext, Set<Path> taken) {
        for (int n = 1; ; n++) {
            Path p = folder.resolve(stem + (n == 1 ? "" : "-" + n) + ext);
            if (!Files.exists(p) && !taken.contains(p.toAbsolutePath().normalize())) return p;
        }
    }

    /** {@code fox.mp4} → {@code fox-3.mp4}. */
    static Path numbered(Path p, int n) {
        String name = p.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String next = dot > 0 ? name.substring(0, dot) + "-" + n + name.substring(dot) : name + "-" + n;
        return p.resolveSibling(next);
    }

    /** "A red fox, in the snow!" → {@code a-red-fox-in-the-snow}: ASCII letters and digits, at most 48 characters. */
    static String slug(String prompt) {
        String ascii = Normalizer.normalize(prompt, Normalizer.Form.NFKD).replaceAll("\\p{M}", "").toLowerCase(Locale.ROOT);
        String s = ascii.replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        if (s.length() > NAME_CHARS) s = s.substring(0, NAME_CHARS).replaceAll("-+$", "");
        return s.isEmpty() ? "video" : s;
    }

    static String shorten(String s, int max) { return s.length() <= max ? s : s.substring(0, max - 1) + "…"; }
}
