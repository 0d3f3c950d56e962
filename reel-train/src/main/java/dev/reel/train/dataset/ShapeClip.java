package dev.reel.train.dataset;

import java.util.Locale;

/**
 * What one synthetic clip shows: an object (shape, colour, size, motion) over a background (colour, texture),
 * optionally a second, still object, plus the small random variations of position and speed.
 *
 * @param shape      the moving object's shape
 * @param color      its colour
 * @param motion     how it moves
 * @param size       its size class
 * @param background the background colour
 * @param texture    the background's texture
 * @param second     a second, still object, or null
 * @param jitter     the random variations
 */
public record ShapeClip(Shape shape, Color color, Motion motion, Size size, Color background, Texture texture,
                        Still second, Jitter jitter) {

    /** Object shapes. */
    public enum Shape { CIRCLE, SQUARE, TRIANGLE, STAR }

    /** Colours (object and background), with their sRGB values. */
    public enum Color {
        RED(220, 40, 40), GREEN(40, 180, 60), BLUE(40, 80, 220), YELLOW(240, 220, 40), WHITE(245, 245, 245),
        ORANGE(245, 140, 30), PURPLE(150, 60, 200), BLACK(15, 15, 15), GREY(128, 128, 128), BROWN(120, 80, 40);

        public final int r, g, b;

        Color(int r, int g, int b) { this.r = r; this.g = g; this.b = b; }

        /** As written in captions. */
        public String word() { return name().toLowerCase(Locale.ROOT); }
    }

    /** Motions; the first four move the object's centre, the rest keep it in place. */
    public enum Motion {
        RIGHT, LEFT, UP, DOWN, BOUNCE, GROW, SHRINK, SPIN;

        /** As in file names and the held-out list. */
        public String word() { return name().toLowerCase(Locale.ROOT); }
    }

    /**
     * Size classes (a fraction of the frame's shorter side, before jitter). The smallest still spans two of the demo
     * DiT's tokens (16 pixels each at ×8 VAE and 2×2 patches): run 4's objects of one token came out as faint blobs.
     */
    public enum Size {
        SMALL(0.22), MEDIUM(0.30), LARGE(0.38);

        public final double fraction;

        Size(double fraction) { this.fraction = fraction; }
    }

    /** Background textures. */
    public enum Texture { PLAIN, STRIPES, CHECKS }

    /**
     * A second object that stays still.
     *
     * @param shape its shape
     * @param color its colour
     * @param x     centre, fraction of the width
     * @param y     centre, fraction of the height
     */
    public record Still(Shape shape, Color color, double x, double y) {}

    /**
     * The random part of a clip.
     *
     * @param x     start centre, fraction of the width
     * @param y     start centre, fraction of the height
     * @param scale size factor around the size class (≈ 0.85…1.15)
     * @param speed travel as a fraction of the frame over the clip (moves), or the growth factor
     * @param turns rotation over the clip in turns (spin), signed
     * @param bounces bounces over the clip
     */
    public record Jitter(double x, double y, double scale, double speed, double turns, int bounces) {}
}
