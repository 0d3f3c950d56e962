package dev.reel.train.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapesDataset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class EvalPromptsTest {
    private static final ShapesDataset.Options SPLIT = ShapesDataset.Options.defaults();

    @Test void halfHeldOutHalfSeenDirectionalVariedBackgroundsCanonicalAndDeterministic() {
        List<EvalPrompts.Prompt> p = EvalPrompts.of(EvalPrompts.DEFAULT_COUNT, 0, SPLIT);
        assertEquals(60, p.size());
        ShapesDataset d = new ShapesDataset(SPLIT);
        Set<ShapesDataset.Triple> held = new HashSet<>(d.heldOut()), seen = new HashSet<>(d.training());
        assertEquals(30, p.stream().filter(EvalPrompts.Prompt::heldOut).count());
        for (EvalPrompts.Prompt q : p) {
            assertTrue(q.heldOut() ? held.contains(q.triple()) : seen.contains(q.triple()), q::toString);
            assertTrue(EvalPrompts.DIRECTIONS.contains(q.triple().motion()), q::toString);
            assertNotEquals(q.triple().color(), q.background(), q::toString);
            assertEquals(q.index(), p.indexOf(q));
            assertEquals(q.index(), q.seed());
        }
        assertTrue(p.stream().map(EvalPrompts.Prompt::background).collect(Collectors.toSet()).size() >= 5, "backgrounds vary");
        assertEquals(30, p.stream().filter(q -> !q.heldOut()).map(EvalPrompts.Prompt::triple).distinct().count(), "distinct seen triples");
        // every directional held-out triple of the split is asked for
        assertEquals(d.heldOut().stream().filter(t -> EvalPrompts.DIRECTIONS.contains(t.motion())).collect(Collectors.toSet()),
                p.stream().filter(EvalPrompts.Prompt::heldOut).map(EvalPrompts.Prompt::triple).collect(Collectors.toSet()));
        EvalPrompts.Prompt first = p.getFirst();
        assertEquals("a" + ("aeiou".indexOf(first.triple().color().word().charAt(0)) >= 0 ? "n " : " ") + first.triple().color().word() + " "
                + first.triple().shape().name().toLowerCase() + " " + switch (first.triple().motion()) {
                    case RIGHT -> "moves to the right"; case LEFT -> "moves to the left"; case UP -> "moves up"; default -> "moves down"; }
                + " on a " + first.background().word() + " background", first.prompt());

        assertEquals(p, EvalPrompts.of(60, 0, SPLIT), "the same seed gives the same set");
        assertNotEquals(p, EvalPrompts.of(60, 1, SPLIT));
        assertEquals(p.subList(0, 4).stream().map(EvalPrompts.Prompt::heldOut).toList(), List.of(true, false, true, false));
        assertThrows(ReelException.class, () -> EvalPrompts.of(0, 0, SPLIT));
    }

    @Test void reportAccuracyPerGroup() {
        List<EvalPrompts.Prompt> p = EvalPrompts.of(4, 3, SPLIT);
        List<EvalReport.Row> rows = List.of(
                row(p.get(0), p.get(0).triple().color(), p.get(0).background(), p.get(0).triple().motion()),     // held out: all right
                row(p.get(1), null, p.get(1).background(), null),                                               // seen: background only
                row(p.get(2), p.get(2).triple().color(), p.get(2).background(), null),                          // held out: motion wrong
                row(p.get(3), p.get(3).triple().color(), p.get(3).background(), p.get(3).triple().motion()));    // seen: all right
        EvalReport r = new EvalReport("m", 3, 2, rows);
        assertEquals(new EvalReport.Accuracy(2, 1, 1, 0.5), r.heldOut());
        assertEquals(new EvalReport.Accuracy(2, 0.5, 1, 0.5), r.seenCombinations());
        assertEquals(new EvalReport.Accuracy(4, 0.75, 1, 0.5), r.all());
        assertTrue(!r.targetsMet());
        assertEquals(4, r.json().path("rows").size());
        assertEquals(0.5, r.json().path("accuracy").path("held_out").path("motion").asDouble());
        assertTrue(r.markdown().contains("| held out | 2 | 100.0 % | 100.0 % | 50.0 % |"), r.markdown());
    }

    private static EvalReport.Row row(EvalPrompts.Prompt p, ShapeClip.Color object, ShapeClip.Color bg, ShapeClip.Motion m) {
        return new EvalReport.Row(p, new Judgement(bg, object, m, 0, 0, 1), null);
    }

    @Test void stripPicksEvenlySpacedFramesAndDrawsEveryRow() {
        assertArrayEquals(new int[] {0, 3, 6, 10, 13, 16}, FrameStrip.picks(17, 6));
        assertArrayEquals(new int[] {0, 1, 2}, FrameStrip.picks(3, 6));
        Frames f = new Frames(17, 8, 12, new float[17 * 8 * 12 * 3]);
        var img = FrameStrip.image(List.of(new FrameStrip.Row("a", f), new FrameStrip.Row("b", f)), 6);
        assertEquals(4 + 6 * (12 + 4), img.getWidth());
        assertEquals(4 + 2 * (20 + 8 + 4), img.getHeight());
        assertEquals(0, img.getRGB(4, 4 + 20) & 0xffffff, "a black frame pixel where the first tile starts");
    }
}
