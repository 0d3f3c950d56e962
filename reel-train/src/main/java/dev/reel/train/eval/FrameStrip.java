package dev.reel.train.eval;

import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.slf4j.LoggerFactory;

/**
 * A PNG grid of frames: one row per video, {@code columns} evenly spaced frames from the first to the last, each
 * row under its caption (for model cards: what a model does, without running it).
 */
public final class FrameStrip {
    /** Frames per row by default. */
    public static final int DEFAULT_COLUMNS = 6;
    /** Gap between tiles and around the grid, pixels. */
    private static final int GAP = 4;
    /** Height of a caption band, pixels. */
    private static final int CAPTION = 20;

    /**
     * One row.
     *
     * @param caption the text above it (e.g. the prompt)
     * @param frames  the video
     */
    public record Row(String caption, Frames frames) {}

    private FrameStrip() {}

    /** The frame indices of {@code columns} evenly spaced frames of a {@code count}-frame video, first and last included. */
    static int[] picks(int count, int columns) {
        int n = Math.min(columns, count);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = n == 1 ? 0 : (int) Math.round((double) i * (count - 1) / (n - 1));
        return out;
    }

    /** The grid as an image; every row's frames are drawn at their own size. */
    public static BufferedImage image(List<Row> rows, int columns) {
        if (rows.isEmpty()) throw new ReelException("frame strip: no videos to draw");
        if (columns < 1) throw new ReelException("frame strip: columns = " + columns + ": must be at least 1");
        int tileW = rows.stream().mapToInt(r -> r.frames().width()).max().orElseThrow();
        int tileH = rows.stream().mapToInt(r -> r.frames().height()).max().orElseThrow();
        int rowH = CAPTION + tileH + GAP;   // row i starts at GAP + i·rowH: its caption, then its frames
        int width = GAP + columns * (tileW + GAP), height = GAP + rows.size() * rowH;
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                int x = GAP, y = GAP + i * rowH + CAPTION;
                for (int t : picks(r.frames().count(), columns)) {
                    img.setRGB(x, y, r.frames().width(), r.frames().height(), argb(r.frames(), t), 0, r.frames().width());
                    x += tileW + GAP;
                }
            }
            g.setColor(Color.BLACK);
            try {
                for (int i = 0; i < rows.size(); i++) g.drawString(rows.get(i).caption(), GAP, GAP + i * rowH + CAPTION - 6);
        } catch (RuntimeException | Error e) {   // a machine without fonts (fontconfig) still gets the frames
                LoggerFactory.getLogger(FrameStrip.class).warn("frame strip drawn without captions: no fonts ({})", e.toString());
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** Writes {@link #image} as a PNG into {@code file} (appearing only complete). */
    public static void write(List<Row> rows, int columns, Path file) {
        BufferedImage img = image(rows, columns);
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            if (target.getParent() != null) Files.createDirectories(target.getParent());
            if (!ImageIO.write(img, "png", tmp.toFile())) throw new IOException("no PNG writer");
            FileOps.moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new ReelException("cannot write the frame strip " + file + ": " + e.getMessage(), e);
        } finally {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* the move normally took it */ }
        }
    }

    private static int[] argb(Frames f, int t) {
        byte[] rgb = f.rgb24(t);
        int[] out = new int[f.height() * f.width()];
        for (int p = 0; p < out.length; p++) out[p] = ((rgb[3 * p] & 255) << 16) | ((rgb[3 * p + 1] & 255) << 8) | (rgb[3 * p + 2] & 255);
        return out;
    }
}
