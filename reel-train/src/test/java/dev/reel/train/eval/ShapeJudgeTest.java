package dev.reel.train.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.pipeline.Frames;
import dev.reel.pipeline.media.Mp4Writer;
import dev.reel.pipeline.media.VideoReader;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapeRenderer;
import dev.reel.train.dataset.ShapesDataset;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The judge against the renderer's own parameters (the independent reference): clips drawn by {@link ShapeRenderer}
 * with known colours, backgrounds and motions, directly and after an H.264 round trip.
 */
class ShapeJudgeTest {
    private static final ShapeRenderer RENDERER = new ShapeRenderer(17, 64, 64);

    @TempDir Path dir;

    /** What the judge should report for a clip's motion: spinning keeps the centroid and the area, so "in place". */
    private static ShapeClip.Motion expected(ShapeClip.Motion m) { return m == ShapeClip.Motion.SPIN ? null : m; }

    /** One jitter per motion, as the dataset draws them (start positions that keep the travel inside the frame). */
    private static Map<ShapeClip.Motion, ShapeClip.Jitter> jitters() {
        ShapesDataset d = new ShapesDataset(ShapesDataset.Options.defaults());
        Map<ShapeClip.Motion, ShapeClip.Jitter> out = new EnumMap<>(ShapeClip.Motion.class);
        for (int i = 0; out.size() < ShapeClip.Motion.values().length; i++) out.putIfAbsent(d.clip(i).motion(), d.clip(i).jitter());
        return out;
    }

    /**
     * Every object colour on every other background with every motion (shapes, sizes and textures cycling, a second
     * still object on every third clip): each attribute exactly right.
     */
    @Test void everyColourBackgroundAndMotionExactly() {
        Map<ShapeClip.Motion, ShapeClip.Jitter> jitter = jitters();
        int i = 0;
        for (ShapeClip.Color color : ShapesDataset.OBJECT_COLORS) {
            for (ShapeClip.Color bg : ShapesDataset.BACKGROUNDS) {
                if (bg == color) continue;
                for (ShapeClip.Motion m : ShapeClip.Motion.values()) {
                    ShapeClip.Shape shape = ShapeClip.Shape.values()[i % 4];
                    if (shape == ShapeClip.Shape.CIRCLE && m == ShapeClip.Motion.SPIN) shape = ShapeClip.Shape.SQUARE;
                    ShapeClip.Still second = i % 3 == 0 ? still(color, bg, m, i) : null;
                    ShapeClip c = new ShapeClip(shape, color, m, ShapeClip.Size.values()[i % 3], bg, ShapeClip.Texture.values()[i % 3], second, jitter.get(m));
                    Judgement j = ShapeJudge.judge(RENDERER.render(c));
                    assertEquals(bg, j.background(), c::toString);
                    assertEquals(color, j.object(), () -> c + " → " + j);
                    assertEquals(expected(m), j.motion(), () -> c + " → " + j);
                    i++;
                }
            }
        }
        assertEquals((3 * 5 + 4 * 6) * 8, i, "7 colours × the 5 or 6 backgrounds not their own × 8 motions");
    }

    /** A still second object out of the moving one's path, of a third colour, as the dataset places it. */
    private static ShapeClip.Still still(ShapeClip.Color color, ShapeClip.Color bg, ShapeClip.Motion m, int i) {
        List<ShapeClip.Color> others = ShapesDataset.OBJECT_COLORS.stream().filter(c -> c != color && c != bg).toList();
        boolean horizontal = m == ShapeClip.Motion.LEFT || m == ShapeClip.Motion.RIGHT;
        return new ShapeClip.Still(ShapeClip.Shape.values()[(i / 3) % 4], others.get(i % others.size()), horizontal ? 0.5 : 0.85, horizontal ? 0.85 : 0.5);
    }

    /** The dataset's own clips (random sizes, speeds, textures, second objects) judged as they are: ≥ 95 % per attribute. */
    @Test void datasetClipsDirectly() {
        Score s = score(clips(120), c -> RENDERER.render(c));
        s.assertAtLeast(0.95);
    }

    /** The same through libx264 (yuv420p, CRF 23) and FFmpeg's decoder: compression does not break the judge. */
    @Test void datasetClipsAfterAnMp4RoundTrip() {
        Mp4Writer mp4 = new Mp4Writer(16, "ultrafast", 23);
        int[] n = {0};
        Score s = score(clips(40), c -> {
            Path file = dir.resolve("clip" + n[0]++ + ".mp4");
            mp4.write(RENDERER.render(c), file);
            return VideoReader.read(file);
        });
        s.assertAtLeast(0.95);
    }

    /** A frame of nothing but background: the background is found, no object, no motion. */
    @Test void aBlankVideoHasNoObject() {
        ShapeClip.Color bg = ShapeClip.Color.BROWN;
        float[] rgb = new float[5 * 16 * 16 * 3];
        for (int p = 0; p < rgb.length; p += 3) { rgb[p] = bg.r / 255f; rgb[p + 1] = bg.g / 255f; rgb[p + 2] = bg.b / 255f; }
        Judgement j = ShapeJudge.judge(new Frames(5, 16, 16, rgb));
        assertEquals(bg, j.background());
        assertNull(j.object());
        assertNull(j.motion());
    }

    private static List<ShapeClip> clips(int n) {
        ShapesDataset d = new ShapesDataset(ShapesDataset.Options.defaults());
        List<ShapeClip> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(d.clip(i));
        return out;
    }

    private static Score score(List<ShapeClip> clips, java.util.function.Function<ShapeClip, Frames> video) {
        Score s = new Score();
        for (ShapeClip c : clips) {
            Judgement j = ShapeJudge.judge(video.apply(c));
            s.n++;
            if (j.background() == c.background()) s.background++; else s.misses.add("background " + c + " → " + j);
            if (j.object() == c.color()) s.object++; else s.misses.add("object " + c + " → " + j);
            if (j.motion() == expected(c.motion())) s.motion++; else s.misses.add("motion " + c + " → " + j);
        }
        return s;
    }

    private static final class Score {
        int n, background, object, motion;
        final List<String> misses = new ArrayList<>();

        void assertAtLeast(double share) {
            String why = n + " clips: background " + background + ", object " + object + ", motion " + motion + "; misses " + misses;
            assertTrue(background >= share * n && object >= share * n && motion >= share * n, why);
            System.out.println(why);
        }
    }
}
