package dev.reel.train.eval;

import dev.reel.pipeline.DemoConfigs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.pipeline.VideoGenerator;
import dev.reel.train.dataset.ShapeCaptions;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapesDataset;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The web page's suggestions for the demo are prompts of the shapes world the dataset trains on (default split), in its
 * canonical wording. (The headline prompt, a red circle moving right, is a held-out triple of that split.)
 */
class DemoExamplesTest {
    @Test void theDemosExamplePromptsAreSeenCombinationsInCanonicalWording() {
        ShapesDataset split = new ShapesDataset(ShapesDataset.Options.defaults());
        Map<String, ShapesDataset.Triple> canonical = new HashMap<>();
        for (ShapeClip.Color c : ShapesDataset.OBJECT_COLORS) {
            for (ShapeClip.Shape s : ShapeClip.Shape.values()) {
                for (ShapeClip.Motion m : ShapeClip.Motion.values()) {
                    for (ShapeClip.Color bg : ShapesDataset.BACKGROUNDS) canonical.put(ShapeCaptions.canonical(c, s, m, bg), new ShapesDataset.Triple(c, s, m));
                }
            }
        }
        List<String> examples = DemoConfigs.profile().examplePrompts();
        assertEquals(6, examples.size());
        Set<ShapesDataset.Triple> seen = new HashSet<>(split.training());
        for (String e : examples) {
            ShapesDataset.Triple t = canonical.get(e);
            assertTrue(t != null, "not a canonical shapes prompt: " + e);
            assertTrue(seen.contains(t), "a held-out combination: " + e);
        }
    }
}
