package dev.reel.train.dataset;

import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvGenerator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.pipeline.media.Mp4Writer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * {@code reel dataset shapes}: procedurally rendered clips of simple shapes with captions, for training a small
 * text-to-video model that can be judged automatically. Writes, into a new folder:
 * <ul>
 *   <li>{@code clips/shape_NNNNN.mp4} — H.264 clips;</li>
 *   <li>{@code captions.csv} — {@code file,caption} (what {@code reel preprocess --videos} reads) plus each clip's
 *       attributes: shape, color, motion, size, background, texture, second_shape, second_color;</li>
 *   <li>{@code tokenizer/} — a T5-style tokenizer fitted to the captions' words ({@link CaptionTokenizer});</li>
 *   <li>{@code heldout.csv} — the colour×shape×motion triples that never appear in the clips, with a canonical
 *       prompt each, for an evaluator.</li>
 * </ul>
 * Everything follows from the seed (the held-out triples, and clip i from seed and i alone); the folder appears
 * only complete.
 */
public final class ShapesDataset {
    /** Colours an object may have. */
    public static final List<ShapeClip.Color> OBJECT_COLORS = List.of(ShapeClip.Color.RED, ShapeClip.Color.GREEN, ShapeClip.Color.BLUE,
            ShapeClip.Color.YELLOW, ShapeClip.Color.WHITE, ShapeClip.Color.ORANGE, ShapeClip.Color.PURPLE);
    /** Background colours (never the object's colour in one clip). */
    public static final List<ShapeClip.Color> BACKGROUNDS = List.of(ShapeClip.Color.BLACK, ShapeClip.Color.GREY, ShapeClip.Color.BLUE,
            ShapeClip.Color.GREEN, ShapeClip.Color.WHITE, ShapeClip.Color.BROWN);

    /**
     * @param count            clips to render
     * @param frames           frames per clip (4k+1 to suit the Wan VAE)
     * @param height           frame height (even)
     * @param width            frame width (even)
     * @param fps              frame rate of the MP4s
     * @param seed             seeds everything
     * @param heldOutFraction  share of the colour×shape×motion triples kept out of the clips
     * @param secondObjectRate share of clips with a second, still object
     */
    public record Options(int count, int frames, int height, int width, int fps, long seed, double heldOutFraction, double secondObjectRate) {
        public Options {
            if (count < 1) throw new ReelException("--count = " + count + ": must be at least 1");
            if (frames < 1 || (frames - 1) % 4 != 0) throw new ReelException("--frames = " + frames + ": must be 4k+1 (1, 5, 9, 13, 17, …)");
            if (height < 16 || height % 2 != 0) throw new ReelException("--height = " + height + ": must be even and at least 16");
            if (width < 16 || width % 2 != 0) throw new ReelException("--width = " + width + ": must be even and at least 16");
            if (fps < 1) throw new ReelException("--fps = " + fps + ": must be at least 1");
            if (!(heldOutFraction >= 0 && heldOutFraction < 1)) throw new ReelException("--held-out = " + heldOutFraction + ": must be in [0, 1)");
            if (!(secondObjectRate >= 0 && secondObjectRate <= 1)) throw new ReelException("--second-object = " + secondObjectRate + ": must be in [0, 1]");
        }

        /** 200 clips of 17 frames at 128×128, 16 fps, seed 0, 10 % of the triples held out, 20 % with a second object. */
        public static Options defaults() { return new Options(200, 17, 128, 128, 16, 0, 0.1, 0.2); }
    }

    /**
     * A colour × shape × motion combination.
     *
     * @param color  the object's colour
     * @param shape  its shape
     * @param motion its motion
     */
    public record Triple(ShapeClip.Color color, ShapeClip.Shape shape, ShapeClip.Motion motion) {}

    /** The {@code model_max_length} written with the fitted tokenizer: captions are a dozen words. */
    static final int TOKENIZER_MAX_LENGTH = 32;

    private final Options options;
    private final List<Triple> training;
    private final List<Triple> heldOut;

    /** Splits the triples for {@code options}' seed. */
    public ShapesDataset(Options options) {
        this.options = options;
        List<Triple> all = new ArrayList<>();
        for (ShapeClip.Color c : OBJECT_COLORS) {
            for (ShapeClip.Shape s : ShapeClip.Shape.values()) {
                for (ShapeClip.Motion m : ShapeClip.Motion.values()) {
                    if (s == ShapeClip.Shape.CIRCLE && m == ShapeClip.Motion.SPIN) continue;   // a spinning circle looks still
                    all.add(new Triple(c, s, m));
                }
            }
        }
        Collections.shuffle(all, new Random(options.seed()));
        int k = (int) Math.round(all.size() * options.heldOutFraction());
        Comparator<Triple> order = Comparator.comparing((Triple t) -> t.color()).thenComparing(Triple::shape).thenComparing(Triple::motion);
        this.heldOut = all.subList(0, k).stream().sorted(order).toList();
        this.training = all.subList(k, all.size()).stream().sorted(order).toList();
    }

    /** The triples clips are drawn from. */
    public List<Triple> training() { return training; }

    /** The triples no clip shows. */
    public List<Triple> heldOut() { return heldOut; }

    /** Clip {@code i}: its attributes and variations, from the seed and i alone. */
    public ShapeClip clip(int i) {
        Random r = random(i);
        Triple t = training.get(r.nextInt(training.size()));
        List<ShapeClip.Color> grounds = BACKGROUNDS.stream().filter(b -> b != t.color()).toList();
        ShapeClip.Color bg = grounds.get(r.nextInt(grounds.size()));
        ShapeClip.Texture texture = r.nextDouble() < 0.7 ? ShapeClip.Texture.PLAIN : r.nextBoolean() ? ShapeClip.Texture.STRIPES : ShapeClip.Texture.CHECKS;
        ShapeClip.Size size = ShapeClip.Size.values()[r.nextInt(3)];
        ShapeClip.Jitter j = jitter(t.motion(), r);
        ShapeClip.Still second = null;
        if (r.nextDouble() < options.secondObjectRate()) {
            List<ShapeClip.Color> cs = OBJECT_COLORS.stream().filter(c -> c != t.color() && c != bg).toList();
            boolean horizontal = t.motion() == ShapeClip.Motion.LEFT || t.motion() == ShapeClip.Motion.RIGHT;
            // out of the moving object's path: a corner row or column it does not cross
            double sx = horizontal ? 0.2 + 0.6 * r.nextDouble() : (r.nextBoolean() ? 0.15 : 0.85);
            double sy = horizontal ? (r.nextBoolean() ? 0.15 : 0.85) : 0.2 + 0.6 * r.nextDouble();
            second = new ShapeClip.Still(ShapeClip.Shape.values()[r.nextInt(4)], cs.get(r.nextInt(cs.size())), sx, sy);
        }
        return new ShapeClip(t.shape(), t.color(), t.motion(), size, bg, texture, second, j);
    }

    /**
     * The random part of a clip with motion {@code motion}, drawn from {@code r}: speed (travel, growth factor or
     * bounce height), a start that keeps a moving object inside the frame, scale, spin and bounces.
     */
    public static ShapeClip.Jitter jitter(ShapeClip.Motion motion, Random r) {
        double speed = switch (motion) {
            case GROW, SHRINK -> 1.5 + 0.4 * r.nextDouble();        // final/initial size ratio (a large one ends near the frame's size)
            case BOUNCE -> 0.35 + 0.15 * r.nextDouble();            // bounce height, fraction of the frame
            default -> 0.4 + 0.2 * r.nextDouble();                  // travel, fraction of the frame
        };
        double x = 0.5 + 0.08 * (r.nextDouble() - 0.5), y = 0.5 + 0.08 * (r.nextDouble() - 0.5);
        switch (motion) {   // start where the travel keeps the object inside the frame
            case RIGHT -> x = 0.5 - speed / 2;
            case LEFT -> x = 0.5 + speed / 2;
            case DOWN -> y = 0.5 - speed / 2;
            case UP -> y = 0.5 + speed / 2;
            default -> { }
        }
        return new ShapeClip.Jitter(x, y, 0.85 + 0.3 * r.nextDouble(), speed, (r.nextBoolean() ? 1 : -1) * (0.25 + 0.5 * r.nextDouble()),
                1 + r.nextInt(2));
    }

    /** Clip {@code i}'s caption. */
    public String caption(int i, ShapeClip clip) {
        Random r = random(i);
        r.nextLong();   // a stream of its own, apart from the attributes'
        return ShapeCaptions.caption(clip, new Random(r.nextLong()));
    }

    private Random random(int i) { return new Random(options.seed() * 1_000_003L + i * 0x9E3779B97F4A7C15L); }

    /** Writes the dataset into the new folder {@code out}; {@code progress} hears about every clip. */
    public void write(Path out, Consumer<String> progress) {
        Path target = out.toAbsolutePath();
        if (Files.exists(target)) {
            try (Stream<Path> s = Files.list(target)) {
                if (s.findAny().isPresent()) throw new ReelException("--output " + out + " exists and is not empty; choose a new folder");
            } catch (IOException e) {
                throw new ReelException("--output " + out + " exists and cannot be read: " + e.getMessage(), e);
            }
        }
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            FileOps.deleteTreeQuietly(tmp);
            Files.createDirectories(tmp.resolve("clips"));
            ShapeRenderer renderer = new ShapeRenderer(options.frames(), options.height(), options.width());
            Mp4Writer mp4 = new Mp4Writer(options.fps(), "medium", 12);
            // clips are independent: rendered and encoded in parallel, listed in order
            java.util.concurrent.atomic.AtomicInteger done = new java.util.concurrent.atomic.AtomicInteger();
            ShapeClip[] clips = new ShapeClip[options.count()];
            String[] captions = new String[options.count()];
            java.util.stream.IntStream.range(0, options.count()).parallel().forEach(i -> {
                clips[i] = clip(i);
                captions[i] = caption(i, clips[i]);
                mp4.write(renderer.render(clips[i]), tmp.resolve(clipFile(i)));
                progress.accept(String.format("[%d/%d] %s: %s", done.incrementAndGet(), options.count(), clipFile(i), captions[i]));
            });
            CsvMapper csv = new CsvMapper();
            csv.configure(CsvGenerator.Feature.STRICT_CHECK_FOR_QUOTING, true);   // quote a cell only where it must be
            CsvSchema schema = CsvSchema.builder().addColumn("file").addColumn("caption").addColumn("shape").addColumn("color").addColumn("motion")
                    .addColumn("size").addColumn("background").addColumn("texture").addColumn("second_shape").addColumn("second_color").build().withHeader();
            try (SequenceWriter w = csv.writer(schema).writeValues(tmp.resolve("captions.csv").toFile())) {
                for (int i = 0; i < options.count(); i++) {
                    ShapeClip c = clips[i];
                    w.write(List.of(clipFile(i), captions[i], ShapeCaptions.word(c.shape()), c.color().word(), c.motion().word(), lower(c.size()),
                            c.background().word(), lower(c.texture()), c.second() == null ? "" : ShapeCaptions.word(c.second().shape()),
                            c.second() == null ? "" : c.second().color().word()));
                }
            }
            CsvSchema held = CsvSchema.builder().addColumn("color").addColumn("shape").addColumn("motion").addColumn("prompt").build().withHeader();
            try (SequenceWriter w = csv.writer(held).writeValues(tmp.resolve("heldout.csv").toFile())) {
                int k = 0;
                for (Triple t : heldOut) {
                    ShapeClip.Color bg = BACKGROUNDS.stream().filter(b -> b != t.color()).toList().get(k++ % (BACKGROUNDS.size() - 1));
                    w.write(List.of(t.color().word(), ShapeCaptions.word(t.shape()), t.motion().word(), ShapeCaptions.canonical(t.color(), t.shape(), t.motion(), bg)));
                }
            }
            int vocab = CaptionTokenizer.write(List.of(captions), tmp.resolve("tokenizer"), TOKENIZER_MAX_LENGTH);
            progress.accept("tokenizer fitted to the captions: " + vocab + " pieces (tokenizer/)");
            if (Files.exists(target)) Files.delete(target);   // the empty folder checked above
            FileOps.moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new ReelException("cannot write the dataset to " + out + ": " + e.getMessage(), e);
        } finally {
            FileOps.deleteTreeQuietly(tmp);
        }
    }

    private static String clipFile(int i) { return String.format("clips/shape_%05d.mp4", i); }

    private static String lower(Enum<?> e) { return e.name().toLowerCase(java.util.Locale.ROOT); }

    /** The distinct captions of the first {@code n} clips (for tests and a quick look). */
    Set<String> captions(int n) {
        Set<String> out = new LinkedHashSet<>();
        for (int i = 0; i < n; i++) out.add(caption(i, clip(i)));
        return out;
    }
}
