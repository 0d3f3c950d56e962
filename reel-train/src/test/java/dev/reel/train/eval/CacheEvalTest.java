package dev.reel.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.train.dataset.ShapesDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache table of {@code reel eval demo --cache} on the random-weight demo: a policy that skips nothing (PAB range 1)
 * reproduces the uncached videos bit for bit, so it scores PSNR ∞ and changes no verdict; a skipping policy answers
 * some of the same passes from its cache.
 */
class CacheEvalTest {
    @TempDir Path dir;

    @Test void aNoOpPolicyMatchesTheUncachedVideosAndASkippingOneSkips() throws Exception {
        List<EvalPrompts.Prompt> prompts = EvalPrompts.of(2, 0, ShapesDataset.Options.defaults());
        List<String> lines = new ArrayList<>();
        List<CacheEval.Policy> policies;
        try (VideoGenerator gen = VideoGenerator.demo(GeneratorOptions.defaults())) {
            policies = CacheEval.run(gen, b -> b.numInferenceSteps(8), List.of("pab:1", "easycache:10,ret_steps=1"), prompts, 0, lines::add);
        }
        assertEquals(3 * prompts.size(), lines.size(), "a progress line per prompt and policy");
        assertEquals(List.of("none", "pab:1"), policies.subList(0, 2).stream().map(CacheEval.Policy::cache).toList());
        CacheEval.Policy none = policies.get(0), noOp = policies.get(1), skipping = policies.get(2);
        assertEquals(2 * 8 * prompts.size(), none.stats().passesRun(), "CFG: two passes a step");
        assertEquals(0, none.stats().passesSkipped());
        assertTrue(Double.isInfinite(none.psnrRgb()) && none.ssimRgb() == 1.0, "the reference against itself");

        assertEquals(none.stats().passesRun(), noOp.stats().passesRun());
        assertEquals(0, noOp.stats().attentionReused());
        assertTrue(Double.isInfinite(noOp.psnrRgb()) && Double.isInfinite(noOp.psnrLuma()), "bit-identical: PSNR " + noOp.psnrRgb());
        assertEquals(0, noOp.verdictsChanged());
        assertEquals(none.report().all(), noOp.report().all());

        assertEquals(none.stats().passes(), skipping.stats().passes());
        assertTrue(skipping.stats().passesSkipped() > 0, "skipped " + skipping.stats());
        assertTrue(skipping.psnrRgb() > 0 && skipping.ssimRgb() <= 1.0, "PSNR " + skipping.psnrRgb());

        CacheEval.write(dir, policies);
        String table = Files.readString(dir.resolve("caches.md"));
        assertTrue(table.contains("| `none` | 32 / 0 | 0 |") && table.contains("| `pab:1` | 32 / 0 |") && table.contains("∞ / ∞"), table);
        assertTrue(Files.isRegularFile(dir.resolve("report.json")), "the uncached report beside the table");
    }
}
