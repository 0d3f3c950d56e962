package dev.reel.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.pipeline.DemoConfigs;
import dev.reel.pipeline.ModelProfile;
import dev.reel.train.dataset.ShapeCaptions;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapesDataset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The web page's suggestions for the demos are prompts of the shapes world their dataset trains on, in its canonical
 * wording: the random-weight demo's for the default split (where the headline prompt, a red circle moving right,
 * is a held-out triple), the trained demo's for the split it was trained on.
 */
class DemoExamplesTest {
    @Test void theDemosExamplePromptsAreSeenCombinationsInCanonicalWording() {
        assertSeenCanonical(DemoConfigs.profile().examplePrompts(), ShapesDataset.Options.defaults());
    }

    /** The trained demo in models/reel-demo/ was trained on the split of seed 1 (its model card). */
    @Test void theShippedModelsExamplePromptsAreSeenCombinationsOfItsSplit() {
        Path shipped = Path.of("").toAbsolutePath().getParent().resolve("models/reel-demo");   // the tests run in reel-train/
        Assumptions.assumeTrue(Files.isRegularFile(shipped.resolve("model_index.json")), "no trained demo in " + shipped);
        ShapesDataset.Options d = ShapesDataset.Options.defaults();
        assertSeenCanonical(ModelProfile.read(shipped).examplePrompts(),
                new ShapesDataset.Options(d.count(), d.frames(), d.height(), d.width(), d.fps(), 1, d.heldOutFraction(), d.secondObjectRate()));
    }

    private static void assertSeenCanonical(List<String> examples, ShapesDataset.Options options) {
        Map<String, ShapesDataset.Triple> canonical = new HashMap<>();
        for (ShapeClip.Color c : ShapesDataset.OBJECT_COLORS) {
            for (ShapeClip.Shape s : ShapeClip.Shape.values()) {
                for (ShapeClip.Motion m : ShapeClip.Motion.values()) {
                    for (ShapeClip.Color bg : ShapesDataset.BACKGROUNDS) canonical.put(ShapeCaptions.canonical(c, s, m, bg), new ShapesDataset.Triple(c, s, m));
                }
            }
        }
        assertEquals(6, examples.size());
        Set<ShapesDataset.Triple> seen = new HashSet<>(new ShapesDataset(options).training());
        for (String e : examples) {
            ShapesDataset.Triple t = canonical.get(e);
            assertTrue(t != null, "not a canonical shapes prompt: " + e);
            assertTrue(seen.contains(t), "a held-out combination: " + e);
        }
    }
}
