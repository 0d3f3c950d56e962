package dev.reel.train.eval;

import dev.reel.pipeline.Frames;
import dev.reel.train.dataset.ShapeClip;
import dev.reel.train.dataset.ShapeRenderer;
import dev.reel.train.dataset.ShapesDataset;
import java.util.ArrayList;
import java.util.List;

/**
 * An automated judge of videos of the {@code reel dataset shapes} world: from the frames alone it detects the
 * background colour, the moving object's colour and how the object's centroid moved, for comparison with the prompt.
 *
 * <ol>
 *   <li><b>Background</b>: every pixel of a border ring ({@value #BORDER_DIVISOR}th of the shorter side wide, in
 *       every frame) votes for the nearest background of {@link ShapesDataset#BACKGROUNDS}, each represented by its
 *       colour and its texture shade ({@link ShapeRenderer#textureShade}, so striped and checkered backgrounds vote
 *       as their colour); the most votes win.</li>
 *   <li><b>Pixels</b>: each pixel is labelled with the nearest of the background's two colours and the object
 *       colours ({@link ShapesDataset#OBJECT_COLORS} other than the background); per frame and colour the largest
 *       4-connected component of that label is the colour's blob (stray pixels do not count).</li>
 *   <li><b>Object colour</b>: the colour whose blobs cover the most pixels over the clip (the majority), except
 *       when that colour stays still while another colour with at least {@value #CANDIDATE_SHARE} of its area moves:
 *       the dataset's second object never moves, so the moving colour is the object then. "Moves" compares the blob
 *       masks of consecutive frames: the pixels that change, per frame, as a share of the blob's area, above
 *       {@value #STILL}. Antialiased edges whose blend lands near another colour (red over yellow looks orange)
 *       stay far under the area share.</li>
 *   <li><b>Motion</b>: the object's blob centroid, averaged over the first and over the last quarter of the frames
 *       where it is found: a net travel of at least {@value #MIN_TRAVEL} of the frame along the larger axis is
 *       left/right/up/down; otherwise a vertical excursion of at least {@value #MIN_BOUNCE} of the height is a
 *       bounce, and an area ratio (last quarter over first) of at least {@value #MIN_GROWTH} or at most its inverse
 *       is grow or shrink; else the object stayed in place (still or spinning).</li>
 * </ol>
 * Colours are compared as sRGB 8-bit triples by Euclidean distance (the palette's colours are far apart).
 */
public final class ShapeJudge {
    /** The border ring is the shorter side over this wide (at least one pixel). */
    static final int BORDER_DIVISOR = 16;
    /** A colour is an object candidate with at least this share of the largest colour's blob area. */
    static final double CANDIDATE_SHARE = 0.3;
    /** A blob whose changing pixels per frame are at most this share of its area stays still. */
    static final double STILL = 0.03;
    /** Net travel, as a fraction of the frame, that counts as a move. */
    static final double MIN_TRAVEL = 0.1;
    /** Vertical excursion, as a fraction of the height, that counts as a bounce when there is no net travel. */
    static final double MIN_BOUNCE = 0.15;
    /** Area ratio that counts as growing (its inverse: shrinking). */
    static final double MIN_GROWTH = 1.3;
    /** Blobs smaller than this many pixels do not place a centroid. */
    static final int MIN_PIXELS = 4;

    private ShapeJudge() {}

    /** Judges {@code video} (RGB in [0, 1]; any size and frame count). */
    public static Judgement judge(Frames video) {
        int[][] pixels = quantise(video);
        ShapeClip.Color background = background(video, pixels);
        List<ShapeClip.Color> objects = ShapesDataset.OBJECT_COLORS.stream().filter(c -> c != background).toList();
        Blobs blobs = Blobs.find(video, pixels, palette(background, objects), objects.size());
        int k = blobs.objectColor();
        if (k < 0) return new Judgement(background, null, null, 0, 0, 1);
        return motion(video, background, objects.get(k), blobs.track(k));
    }

    /** Frames as packed 0xRRGGBB per pixel, one array per frame. */
    private static int[][] quantise(Frames f) {
        int n = f.height() * f.width();
        int[][] out = new int[f.count()][n];
        float[] v = f.rgb();
        for (int t = 0; t < f.count(); t++) {
            for (int p = 0, o = t * n * 3; p < n; p++, o += 3) out[t][p] = (byte8(v[o]) << 16) | (byte8(v[o + 1]) << 8) | byte8(v[o + 2]);
        }
        return out;
    }

    private static int byte8(float v) { return Math.round((v < 0f ? 0f : v > 1f ? 1f : v) * 255f); }

    private static ShapeClip.Color background(Frames f, int[][] pixels) {
        List<ShapeClip.Color> grounds = ShapesDataset.BACKGROUNDS;
        int[][] entries = new int[grounds.size() * 2][];
        for (int i = 0; i < grounds.size(); i++) {
            entries[2 * i] = rgb(grounds.get(i));
            entries[2 * i + 1] = ShapeRenderer.textureShade(grounds.get(i));
        }
        int ring = Math.max(1, Math.min(f.height(), f.width()) / BORDER_DIVISOR);
        long[] votes = new long[grounds.size()];
        for (int[] frame : pixels) {
            for (int y = 0; y < f.height(); y++) {
                boolean edgeRow = y < ring || y >= f.height() - ring;
                for (int x = 0; x < f.width(); x++) {
                    if (edgeRow || x < ring || x >= f.width() - ring) votes[nearest(frame[y * f.width() + x], entries) / 2]++;
                }
            }
        }
        int best = 0;
        for (int i = 1; i < votes.length; i++) if (votes[i] > votes[best]) best = i;
        return grounds.get(best);
    }

    /** Label 0: the background's colour and shade; label 1 + k: object colour k. */
    private static int[][] palette(ShapeClip.Color background, List<ShapeClip.Color> objects) {
        int[][] entries = new int[2 + objects.size()][];
        entries[0] = rgb(background);
        entries[1] = ShapeRenderer.textureShade(background);
        for (int k = 0; k < objects.size(); k++) entries[2 + k] = rgb(objects.get(k));
        return entries;
    }

    /** Index of the entry nearest to the packed colour {@code v}. */
    static int nearest(int v, int[][] entries) {
        int r = (v >> 16) & 255, g = (v >> 8) & 255, b = v & 255, best = 0;
        long bestD = Long.MAX_VALUE;
        for (int i = 0; i < entries.length; i++) {
            long dr = r - entries[i][0], dg = g - entries[i][1], db = b - entries[i][2], d = dr * dr + dg * dg + db * db;
            if (d < bestD) { bestD = d; best = i; }
        }
        return best;
    }

    private static int[] rgb(ShapeClip.Color c) { return new int[] {c.r, c.g, c.b}; }

    private static Judgement motion(Frames f, ShapeClip.Color background, ShapeClip.Color object, List<double[]> track) {
        // track: per frame where the blob is found, {x, y, area}
        List<double[]> found = new ArrayList<>();
        for (double[] p : track) if (p[2] >= MIN_PIXELS) found.add(p);
        if (found.size() < 2) return new Judgement(background, object, null, 0, 0, 1);
        int q = Math.max(1, found.size() / 4);
        double[] first = mean(found.subList(0, q)), last = mean(found.subList(found.size() - q, found.size()));
        double dx = (last[0] - first[0]) / f.width(), dy = (last[1] - first[1]) / f.height(), growth = last[2] / first[2];
        double top = Double.MAX_VALUE, bottom = -Double.MAX_VALUE;
        for (double[] p : found) { top = Math.min(top, p[1]); bottom = Math.max(bottom, p[1]); }
        ShapeClip.Motion m;
        if (Math.max(Math.abs(dx), Math.abs(dy)) >= MIN_TRAVEL) {
            m = Math.abs(dx) >= Math.abs(dy) ? (dx > 0 ? ShapeClip.Motion.RIGHT : ShapeClip.Motion.LEFT) : (dy > 0 ? ShapeClip.Motion.DOWN : ShapeClip.Motion.UP);
        } else if ((bottom - top) / f.height() >= MIN_BOUNCE) {
            m = ShapeClip.Motion.BOUNCE;
        } else if (growth >= MIN_GROWTH) {
            m = ShapeClip.Motion.GROW;
        } else if (growth <= 1 / MIN_GROWTH) {
            m = ShapeClip.Motion.SHRINK;
        } else {
            m = null;
        }
        return new Judgement(background, object, m, dx, dy, growth);
    }

    private static double[] mean(List<double[]> points) {
        double[] m = new double[3];
        for (double[] p : points) for (int i = 0; i < 3; i++) m[i] += p[i] / points.size();
        return m;
    }
}
