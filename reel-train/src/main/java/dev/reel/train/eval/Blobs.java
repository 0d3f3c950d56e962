package dev.reel.train.eval;

import dev.reel.pipeline.Frames;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Per frame and object colour, the largest 4-connected component ("blob") of the pixels labelled with that colour:
 * its area and centroid, and how much of it changes from one frame to the next. {@link ShapeJudge}'s second and
 * third steps.
 */
final class Blobs {
    /** Per colour, per frame: {centroid x, centroid y, area} (area 0 where the colour is absent). */
    private final double[][][] tracks;
    /** Per colour: blob pixels summed over the frames. */
    private final long[] area;
    /** Per colour: pixels in the blob of one frame and not the next, or the reverse, summed over the frames. */
    private final long[] change;

    private Blobs(double[][][] tracks, long[] area, long[] change) {
        this.tracks = tracks;
        this.area = area;
        this.change = change;
    }

    /**
     * Labels every pixel with the nearest entry of {@code palette} (0 and 1: the background, 2 + k: object colour k)
     * and measures each of the {@code colors} object colours' blobs.
     */
    static Blobs find(Frames f, int[][] pixels, int[][] palette, int colors) {
        int w = f.width(), n = f.height() * w;
        double[][][] tracks = new double[colors][f.count()][3];
        long[] area = new long[colors], change = new long[colors];
        int[] label = new int[n], comp = new int[n], prevComp = new int[n], stack = new int[n];
        int[] best = new int[colors], prevBest = new int[colors];
        Arrays.fill(prevBest, -1);
        for (int t = 0; t < f.count(); t++) {
            for (int p = 0; p < n; p++) label[p] = ShapeJudge.nearest(pixels[t][p], palette) - 2;   // -2, -1: background
            Arrays.fill(comp, -1);
            Arrays.fill(best, -1);
            long[] bestSize = new long[colors];
            int next = 0;
            for (int start = 0; start < n; start++) {
                int k = label[start];
                if (k < 0 || comp[start] >= 0) continue;
                int id = next++, top = 0;
                long size = 0;
                double sx = 0, sy = 0;
                comp[start] = id;
                stack[top++] = start;
                while (top > 0) {
                    int p = stack[--top], x = p % w, y = p / w;
                    size++;
                    sx += x + 0.5;
                    sy += y + 0.5;
                    if (x > 0) top = push(p - 1, k, id, label, comp, stack, top);
                    if (x < w - 1) top = push(p + 1, k, id, label, comp, stack, top);
                    if (y > 0) top = push(p - w, k, id, label, comp, stack, top);
                    if (p + w < n) top = push(p + w, k, id, label, comp, stack, top);
                }
                if (size > bestSize[k]) {
                    bestSize[k] = size;
                    best[k] = id;
                    tracks[k][t] = new double[] {sx / size, sy / size, size};
                }
            }
            for (int k = 0; k < colors; k++) {
                area[k] += bestSize[k];
                if (t == 0) continue;
                for (int p = 0; p < n; p++) {
                    boolean now = best[k] >= 0 && comp[p] == best[k], before = prevBest[k] >= 0 && prevComp[p] == prevBest[k];
                    if (now != before) change[k]++;
                }
            }
            int[] swap = prevComp;
            prevComp = comp;
            comp = swap;
            System.arraycopy(best, 0, prevBest, 0, colors);
        }
        return new Blobs(tracks, area, change);
    }

    private static int push(int q, int k, int id, int[] label, int[] comp, int[] stack, int top) {
        if (label[q] != k || comp[q] >= 0) return top;
        comp[q] = id;
        stack[top] = q;
        return top + 1;
    }

    /**
     * The object's colour index: the colour with the largest blob area over the clip, unless it stays still and a
     * candidate (≥ {@link ShapeJudge#CANDIDATE_SHARE} of its area) moves, then the candidate that moves most; -1 when
     * no object pixel was found.
     */
    int objectColor() {
        int largest = -1;
        for (int k = 0; k < area.length; k++) if (area[k] > 0 && (largest < 0 || area[k] > area[largest])) largest = k;
        if (largest < 0 || movement(largest) > ShapeJudge.STILL) return largest;
        int moving = largest;
        for (int k = 0; k < area.length; k++) {
            if (area[k] >= ShapeJudge.CANDIDATE_SHARE * area[largest] && movement(k) > ShapeJudge.STILL && movement(k) > movement(moving)) moving = k;
        }
        return moving;
    }

    /** The share of colour k's blob that changes per frame. */
    double movement(int k) {
        int frames = tracks[k].length;
        return area[k] == 0 || frames < 2 ? 0 : (double) change[k] / (frames - 1) / ((double) area[k] / frames);
    }

    /** Colour k's blob per frame: {x, y, area} in pixels. */
    List<double[]> track(int k) { return new ArrayList<>(Arrays.asList(tracks[k])); }
}
