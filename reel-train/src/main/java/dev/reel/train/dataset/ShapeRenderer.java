package dev.reel.train.dataset;

import dev.reel.pipeline.Frames;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;

/** Draws a {@link ShapeClip} with Java2D, antialiased: {@code frames} pictures of {@code height × width}. */
public record ShapeRenderer(int frames, int height, int width) {

    /** The clip's frames, RGB in [0, 1]. */
    public Frames render(ShapeClip clip) {
        float[] rgb = new float[frames * height * width * 3];
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int t = 0; t < frames; t++) {
            double p = frames == 1 ? 0 : (double) t / (frames - 1);   // progress through the clip, 0 … 1
            Graphics2D g = img.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            background(g, clip);
            if (clip.second() != null) {
                ShapeClip.Still s = clip.second();
                draw(g, s.shape(), s.color(), s.x() * width, s.y() * height, 0.18 * Math.min(width, height), 0);
            }
            double[] pose = pose(clip, p);
            draw(g, clip.shape(), clip.color(), pose[0], pose[1], pose[2], pose[3]);
            g.dispose();
            int base = t * height * width * 3;
            for (int y = 0; y < height; y++) {
                for (int x = 0; x < width; x++) {
                    int v = img.getRGB(x, y), o = base + (y * width + x) * 3;
                    rgb[o] = ((v >> 16) & 255) / 255f;
                    rgb[o + 1] = ((v >> 8) & 255) / 255f;
                    rgb[o + 2] = (v & 255) / 255f;
                }
            }
        }
        return new Frames(frames, height, width, rgb);
    }

    /** Centre x, centre y (pixels), size (pixels) and rotation (radians) of the moving object at progress p. */
    double[] pose(ShapeClip clip, double p) {
        ShapeClip.Jitter j = clip.jitter();
        double side = Math.min(width, height);
        double size = clip.size().fraction * j.scale() * side;
        double x = j.x() * width, y = j.y() * height, angle = 0;
        switch (clip.motion()) {
            case RIGHT -> x = (j.x() + j.speed() * p) * width;
            case LEFT -> x = (j.x() - j.speed() * p) * width;
            case DOWN -> y = (j.y() + j.speed() * p) * height;
            case UP -> y = (j.y() - j.speed() * p) * height;
            case BOUNCE -> {
                double floor = height * 0.85 - size / 2;   // resting on the "floor"
                y = floor - Math.abs(Math.sin(Math.PI * j.bounces() * p)) * height * j.speed();
            }
            case GROW -> size *= 1 + (j.speed() - 1) * p;
            case SHRINK -> size *= j.speed() - (j.speed() - 1) * p;
            case SPIN -> angle = 2 * Math.PI * j.turns() * p;
        }
        return new double[] {x, y, size, angle};
    }

    private void background(Graphics2D g, ShapeClip clip) {
        ShapeClip.Color c = clip.background();
        g.setColor(new java.awt.Color(c.r, c.g, c.b));
        g.fillRect(0, 0, width, height);
        if (clip.texture() == ShapeClip.Texture.PLAIN) return;
        int[] shade = textureShade(c);
        g.setColor(new java.awt.Color(shade[0], shade[1], shade[2]));
        int step = Math.max(4, Math.min(width, height) / 8);
        for (int a = 0; a < width; a += step) {
            for (int b = 0; b < height; b += step) {
                boolean on = clip.texture() == ShapeClip.Texture.STRIPES ? (a / step) % 2 == 0 : ((a + b) / step) % 2 == 0;
                if (on) g.fillRect(a, b, step, step);
            }
        }
    }

    /**
     * The second colour of a striped or checkered background of colour {@code c}, sRGB: a shade of the same colour,
     * so the background still reads as that colour.
     */
    public static int[] textureShade(ShapeClip.Color c) { return new int[] {shade(c.r), shade(c.g), shade(c.b)}; }

    private static int shade(int v) { return v > 127 ? (int) (v * 0.82) : Math.min(255, (int) (v * 1.25 + 18)); }

    private static void draw(Graphics2D g, ShapeClip.Shape shape, ShapeClip.Color c, double cx, double cy, double size, double angle) {
        java.awt.Shape s = switch (shape) {
            case CIRCLE -> new Ellipse2D.Double(-size / 2, -size / 2, size, size);
            case SQUARE -> new Rectangle2D.Double(-size / 2, -size / 2, size, size);
            case TRIANGLE -> polygon(3, size / 2 * 1.15, 0);
            case STAR -> star(size / 2 * 1.2);
        };
        AffineTransform at = new AffineTransform();
        at.translate(cx, cy);
        at.rotate(angle);
        g.setColor(new java.awt.Color(c.r, c.g, c.b));
        g.fill(at.createTransformedShape(s));
    }

    private static Path2D polygon(int n, double r, double phase) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < n; i++) {
            double a = phase - Math.PI / 2 + 2 * Math.PI * i / n;
            if (i == 0) p.moveTo(r * Math.cos(a), r * Math.sin(a));
            else p.lineTo(r * Math.cos(a), r * Math.sin(a));
        }
        p.closePath();
        return p;
    }

    private static Path2D star(double r) {
        Path2D p = new Path2D.Double();
        for (int i = 0; i < 10; i++) {
            double rr = i % 2 == 0 ? r : r * 0.45, a = -Math.PI / 2 + Math.PI * i / 5;
            if (i == 0) p.moveTo(rr * Math.cos(a), rr * Math.sin(a));
            else p.lineTo(rr * Math.cos(a), rr * Math.sin(a));
        }
        p.closePath();
        return p;
    }
}
