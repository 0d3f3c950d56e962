package dev.reel.train.trainer;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import javax.imageio.ImageIO;

/** The loss and learning rate of every step: appended to {@code loss.csv}, drawn into {@code loss.png}. */
public final class LossLog {
    private final Path csv;
    private final List<Trainer.StepResult> steps = new ArrayList<>();

    /** Opens {@code dir/loss.csv}, keeping the rows of earlier steps than {@code startStep} (a resumed run). */
    public LossLog(Path dir, int startStep) {
        this.csv = dir.resolve("loss.csv");
        try {
            Files.createDirectories(dir);
            List<String> keep = new ArrayList<>();
            keep.add("step,loss,lr,grad_norm");
            if (Files.exists(csv)) {
                for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                    String[] f = line.split(",");
                    if (f.length == 4 && !f[0].equals("step") && Integer.parseInt(f[0]) < startStep) {
                        keep.add(line);
                        steps.add(new Trainer.StepResult(Integer.parseInt(f[0]), Float.parseFloat(f[1]), Float.parseFloat(f[2]), Float.parseFloat(f[3])));
                    }
                }
            }
            Files.write(csv, keep, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + csv + ": " + e.getMessage(), e);
        }
    }

    /** Appends one step. */
    public void add(Trainer.StepResult r) {
        steps.add(r);
        String line = String.format(Locale.ROOT, "%d,%.7g,%.7g,%.7g%n", r.step(), r.loss(), r.lr(), r.gradNorm());
        try {
            Files.writeString(csv, line, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + csv + ": " + e.getMessage(), e);
        }
    }

    /** Draws loss (blue, left axis) and learning rate (orange, right axis) per step into {@code file} (PNG). */
    public void plot(Path file) {
        int w = 900, h = 500, left = 70, right = 70, top = 30, bottom = 50;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, w - left - right, h - top - bottom);
        if (!steps.isEmpty()) {
            int first = steps.getFirst().step(), last = Math.max(first + 1, steps.getLast().step());
            float lossMax = 0, lrMax = 0;
            for (Trainer.StepResult r : steps) { lossMax = Math.max(lossMax, r.loss()); lrMax = Math.max(lrMax, r.lr()); }
            series(g, Color.BLUE, first, last, lossMax, left, top, w - left - right, h - top - bottom, true);
            series(g, new Color(230, 120, 0), first, last, lrMax, left, top, w - left - right, h - top - bottom, false);
            g.setColor(Color.BLACK);
            try {
                g.drawString(String.format(Locale.ROOT, "loss (max %.4g)", lossMax), left, top - 10);
                g.drawString(String.format(Locale.ROOT, "lr (max %.3g)", lrMax), w - right - 100, top - 10);
                g.drawString("step " + first, left, h - bottom + 20);
                g.drawString("step " + last, w - right - 60, h - bottom + 20);
            } catch (RuntimeException | Error e) {   // a machine without fonts (fontconfig) still gets the curves
                LoggerFactory.getLogger(LossLog.class).warn("loss plot drawn without labels: no fonts ({})", e.toString());
            }
        }
        g.dispose();
        try {
            Path tmp = file.resolveSibling(file.getFileName() + ".partial");
            ImageIO.write(img, "png", tmp.toFile());
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }

    private void series(Graphics2D g, Color c, int first, int last, float max, int x0, int y0, int pw, int ph, boolean loss) {
        g.setColor(c);
        g.setStroke(new BasicStroke(1.5f));
        int px = -1, py = -1;
        for (Trainer.StepResult r : steps) {
            float v = loss ? r.loss() : r.lr();
            int x = x0 + (int) ((long) (r.step() - first) * pw / (last - first));
            int y = y0 + ph - (int) (max <= 0 ? 0 : v / max * ph);
            if (px >= 0) g.drawLine(px, py, x, y);
            px = x;
            py = y;
        }
    }
}
