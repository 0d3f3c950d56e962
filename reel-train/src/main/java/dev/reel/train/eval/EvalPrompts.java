package dev.reel.train.eval;

import dev.reel.core.ReelException;
import dev.reel.train.dataset.ShapeCaptions;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapesDataset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The prompt set of {@code reel eval demo}: half of the prompts (rounded up) from the dataset's held-out
 * colour×shape×motion triples, half from the triples it trains on, each over a background other than the object's
 * colour, in the captions' canonical wording ({@link ShapeCaptions#canonical}). Only the directional motions (moves
 * left, right, up, down) are asked for, so that every prompt has a motion direction to score. The split is
 * {@link ShapesDataset}'s for the dataset's seed and held-out share, computed in memory; everything else follows
 * from the evaluation seed.
 */
public final class EvalPrompts {
    /** The motions asked for: those that move the object's centroid one way. */
    public static final List<ShapeClip.Motion> DIRECTIONS = List.of(ShapeClip.Motion.RIGHT, ShapeClip.Motion.LEFT, ShapeClip.Motion.UP, ShapeClip.Motion.DOWN);

    /** The default number of prompts. */
    public static final int DEFAULT_COUNT = 60;

    /**
     * One evaluation prompt.
     *
     * @param index      its place in the set, from 0
     * @param triple     colour, shape and motion asked for
     * @param background the background asked for
     * @param heldOut    whether the triple is one the dataset holds out
     * @param prompt     the text
     * @param seed       the generation seed
     */
    public record Prompt(int index, ShapesDataset.Triple triple, ShapeClip.Color background, boolean heldOut, String prompt, long seed) {
        /**
         * A clip this prompt describes, drawn as the dataset draws one: a medium-sized object over a plain
         * background, its start, speed and scale from the prompt's seed.
         */
        public ShapeClip clip() {
            return new ShapeClip(triple.shape(), triple.color(), triple.motion(), ShapeClip.Size.MEDIUM, background, ShapeClip.Texture.PLAIN, null,
                    ShapesDataset.jitter(triple.motion(), new Random(seed)));
        }
    }

    private EvalPrompts() {}

    /**
     * {@code count} prompts (≥ 1) for the split of {@code dataset} (its seed and held-out share), drawn with
     * {@code seed}; prompt i is generated with seed {@code seed + i}. Held-out and seen prompts alternate.
     */
    public static List<Prompt> of(int count, long seed, ShapesDataset.Options dataset) {
        if (count < 1) throw new ReelException("--count = " + count + ": must be at least 1");
        ShapesDataset split = new ShapesDataset(dataset);
        Random r = new Random(seed);
        List<ShapesDataset.Triple> held = directional(split.heldOut(), r), seen = directional(split.training(), r);
        if (held.isEmpty()) {
            throw new ReelException("the dataset split (seed " + dataset.seed() + ", held-out share " + dataset.heldOutFraction()
                    + ") holds out no triple with a left/right/up/down motion to evaluate; choose another --dataset-seed or a larger --held-out");
        }
        List<Prompt> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            boolean heldOut = i % 2 == 0;
            List<ShapesDataset.Triple> from = heldOut ? held : seen;
            ShapesDataset.Triple t = from.get((i / 2) % from.size());
            List<ShapeClip.Color> grounds = ShapesDataset.BACKGROUNDS.stream().filter(b -> b != t.color()).toList();
            ShapeClip.Color bg = grounds.get(r.nextInt(grounds.size()));
            out.add(new Prompt(i, t, bg, heldOut, ShapeCaptions.canonical(t.color(), t.shape(), t.motion(), bg), seed + i));
        }
        return out;
    }

    private static List<ShapesDataset.Triple> directional(List<ShapesDataset.Triple> triples, Random r) {
        List<ShapesDataset.Triple> out = new ArrayList<>(triples.stream().filter(t -> DIRECTIONS.contains(t.motion())).toList());
        Collections.shuffle(out, r);
        return out;
    }
}
