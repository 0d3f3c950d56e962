package dev.reel.train.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import dev.reel.pipeline.media.VideoProbe;
import dev.reel.train.data.VideoList;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShapesDatasetTest {
    @TempDir Path dir;

    private static ShapesDataset.Options small(long seed) { return new ShapesDataset.Options(6, 9, 64, 64, 16, seed, 0.1, 0.3); }

    @Test
    void heldOutTriplesNeverAppearAndTheSplitFollowsTheSeed() {
        ShapesDataset d = new ShapesDataset(new ShapesDataset.Options(500, 17, 128, 128, 16, 4, 0.1, 0.2));
        assertEquals(7 * 4 * 8 - 7, d.training().size() + d.heldOut().size());
        assertEquals(22, d.heldOut().size());
        Set<ShapesDataset.Triple> held = new HashSet<>(d.heldOut());
        for (int i = 0; i < 500; i++) {
            ShapeClip c = d.clip(i);
            assertFalse(held.contains(new ShapesDataset.Triple(c.color(), c.shape(), c.motion())), "clip " + i);
            assertTrue(c.background() != c.color());
        }
        assertEquals(d.heldOut(), new ShapesDataset(new ShapesDataset.Options(10, 5, 32, 32, 8, 4, 0.1, 0)).heldOut(), "the split depends on the seed only");
        assertTrue(!d.heldOut().equals(new ShapesDataset(new ShapesDataset.Options(10, 5, 32, 32, 8, 5, 0.1, 0)).heldOut()));
        assertTrue(d.captions(200).size() > 150, "captions vary");
    }

    @Test
    void theObjectMovesTheWayTheCaptionSays() {
        ShapeRenderer r = new ShapeRenderer(9, 64, 64);
        for (ShapeClip.Motion m : List.of(ShapeClip.Motion.RIGHT, ShapeClip.Motion.LEFT, ShapeClip.Motion.UP, ShapeClip.Motion.DOWN)) {
            ShapeClip c = new ShapeClip(ShapeClip.Shape.SQUARE, ShapeClip.Color.RED, m, ShapeClip.Size.MEDIUM, ShapeClip.Color.BLACK,
                    ShapeClip.Texture.PLAIN, null, new ShapeClip.Jitter(m == ShapeClip.Motion.RIGHT ? 0.25 : m == ShapeClip.Motion.LEFT ? 0.75 : 0.5,
                    m == ShapeClip.Motion.DOWN ? 0.25 : m == ShapeClip.Motion.UP ? 0.75 : 0.5, 1, 0.5, 0, 1));
            Frames f = r.render(c);
            double[] first = redCentroid(f, 0), last = redCentroid(f, 8);
            double dx = last[0] - first[0], dy = last[1] - first[1];
            switch (m) {
                case RIGHT -> assertTrue(dx > 20 && Math.abs(dy) < 2, m + " " + dx + "," + dy);
                case LEFT -> assertTrue(dx < -20 && Math.abs(dy) < 2, m + " " + dx + "," + dy);
                case DOWN -> assertTrue(dy > 20 && Math.abs(dx) < 2, m + " " + dx + "," + dy);
                default -> assertTrue(dy < -20 && Math.abs(dx) < 2, m + " " + dx + "," + dy);
            }
        }
    }

    private static double[] redCentroid(Frames f, int t) {
        double sx = 0, sy = 0, n = 0;
        for (int y = 0; y < f.height(); y++) {
            for (int x = 0; x < f.width(); x++) {
                int o = ((t * f.height() + y) * f.width() + x) * 3;
                double w = Math.max(0, f.rgb()[o] - f.rgb()[o + 1]);   // redness
                sx += w * x; sy += w * y; n += w;
            }
        }
        return new double[] {sx / n, sy / n};
    }

    @Test
    void writesMp4sAndACsvThatPreprocessReadsAndIsReproducible() throws Exception {
        Path a = dir.resolve("a"), b = dir.resolve("b");
        new ShapesDataset(small(1)).write(a, s -> { });
        new ShapesDataset(small(1)).write(b, s -> { });
        assertArrayEquals(Files.readAllBytes(a.resolve("captions.csv")), Files.readAllBytes(b.resolve("captions.csv")));
        assertArrayEquals(Files.readAllBytes(a.resolve("heldout.csv")), Files.readAllBytes(b.resolve("heldout.csv")));
        assertArrayEquals(Files.readAllBytes(a.resolve("clips/shape_00003.mp4")), Files.readAllBytes(b.resolve("clips/shape_00003.mp4")));
        List<String> lines = Files.readAllLines(a.resolve("captions.csv"));
        assertEquals("file,caption,shape,color,motion,size,background,texture,second_shape,second_color", lines.get(0));
        assertEquals(7, lines.size());
        assertTrue(Files.readAllLines(a.resolve("heldout.csv")).get(1).matches("\\w+,\\w+,\\w+,an? \\w+ \\w+ .+ on a \\w+ background"));
        VideoList list = VideoList.read(a.resolve("captions.csv"));
        assertEquals(6, list.items().size());
        assertTrue(list.skipped().isEmpty());
        VideoProbe p = VideoProbe.of(list.items().get(0).file());
        assertEquals(9, p.frames());
        assertEquals(64, p.width());
        assertFalse(Files.exists(dir.resolve(".a.partial")));
        var e = assertThrows(ReelException.class, () -> new ShapesDataset(small(1)).write(a, s -> { }));
        assertTrue(e.getMessage().contains("not empty"), e.getMessage());
    }
}
