package dev.reel.train.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.train.dataset.ShapeCaptions;
import dev.reel.train.dataset.ShapeClip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The outcome of {@code reel eval demo}: per prompt what was asked and what {@link ShapeJudge} saw, and the accuracy
 * per attribute on the held-out and on the seen combinations, beside issue 12's targets on the held-out ones.
 *
 * @param model  what was evaluated (the generator's description)
 * @param seed   the evaluation seed
 * @param steps  denoising steps per video (0: none; the videos are the VAE's round trips of rendered clips)
 * @param rows   one per prompt, in order
 */
public record EvalReport(String model, long seed, int steps, List<Row> rows) {
    /** Targets on the held-out combinations: object colour, background, motion direction. */
    public static final double TARGET_OBJECT = 0.90, TARGET_BACKGROUND = 0.90, TARGET_MOTION = 0.80;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    public EvalReport {
        rows = List.copyOf(rows);
    }

    /**
     * One prompt's result.
     *
     * @param prompt the prompt
     * @param seen   what the judge saw
     * @param video  the video file, relative to the report's folder, or null
     */
    public record Row(EvalPrompts.Prompt prompt, Judgement seen, String video) {
        /** Whether the judge saw the object colour the prompt asked for. */
        public boolean objectRight() { return seen.object() == prompt.triple().color(); }

        /** Whether it saw the background asked for. */
        public boolean backgroundRight() { return seen.background() == prompt.background(); }

        /** Whether it saw the object move the way asked for. */
        public boolean motionRight() { return seen.motion() == prompt.triple().motion(); }
    }

    /**
     * Accuracy over a group of prompts (each in [0, 1]; NaN for an empty group).
     *
     * @param prompts    how many
     * @param object     share with the right object colour
     * @param background share with the right background
     * @param motion     share with the right motion direction
     */
    public record Accuracy(int prompts, double object, double background, double motion) {}

    /** Accuracy on the held-out combinations. */
    public Accuracy heldOut() { return accuracy(r -> r.prompt().heldOut()); }

    /** Accuracy on the combinations the dataset shows. */
    public Accuracy seenCombinations() { return accuracy(r -> !r.prompt().heldOut()); }

    /** Accuracy over every prompt. */
    public Accuracy all() { return accuracy(r -> true); }

    /** Whether the held-out accuracies reach the targets. */
    public boolean targetsMet() {
        Accuracy h = heldOut();
        return h.prompts() > 0 && h.object() >= TARGET_OBJECT && h.background() >= TARGET_BACKGROUND && h.motion() >= TARGET_MOTION;
    }

    private Accuracy accuracy(Predicate<Row> group) {
        List<Row> g = rows.stream().filter(group).toList();
        double n = g.size();
        return new Accuracy(g.size(), g.stream().filter(Row::objectRight).count() / n, g.stream().filter(Row::backgroundRight).count() / n,
                g.stream().filter(Row::motionRight).count() / n);
    }

    /** The report as JSON (what {@code report.json} holds). */
    public ObjectNode json() {
        ObjectNode o = JSON.createObjectNode();
        o.put("model", model);
        o.put("seed", seed);
        o.put("steps", steps);
        o.put("prompts", rows.size());
        ObjectNode acc = o.putObject("accuracy");
        put(acc.putObject("held_out"), heldOut());
        put(acc.putObject("seen"), seenCombinations());
        put(acc.putObject("all"), all());
        ObjectNode targets = o.putObject("targets_held_out");
        targets.put("object_color", TARGET_OBJECT);
        targets.put("background", TARGET_BACKGROUND);
        targets.put("motion", TARGET_MOTION);
        targets.put("met", targetsMet());
        ArrayNode list = o.putArray("rows");
        for (Row r : rows) {
            ObjectNode n = list.addObject();
            EvalPrompts.Prompt p = r.prompt();
            n.put("index", p.index());
            n.put("prompt", p.prompt());
            n.put("held_out", p.heldOut());
            n.put("seed", p.seed());
            ObjectNode want = n.putObject("expected");
            want.put("object_color", p.triple().color().word());
            want.put("shape", ShapeCaptions.word(p.triple().shape()));
            want.put("motion", p.triple().motion().word());
            want.put("background", p.background().word());
            ObjectNode got = n.putObject("detected");
            got.put("object_color", word(r.seen().object()));
            got.put("motion", r.seen().motion() == null ? "none" : r.seen().motion().word());
            got.put("background", word(r.seen().background()));
            got.put("dx", r.seen().dx());
            got.put("dy", r.seen().dy());
            got.put("growth", r.seen().growth());
            ObjectNode right = n.putObject("correct");
            right.put("object_color", r.objectRight());
            right.put("background", r.backgroundRight());
            right.put("motion", r.motionRight());
            if (r.video() != null) n.put("video", r.video());
        }
        return o;
    }

    private static void put(ObjectNode n, Accuracy a) {
        n.put("prompts", a.prompts());
        n.put("object_color", a.object());
        n.put("background", a.background());
        n.put("motion", a.motion());
    }

    /** The report as Markdown: the accuracy table, then one row per prompt. */
    public String markdown() {
        StringBuilder s = new StringBuilder();
        s.append("# reel eval demo\n\n");
        s.append("Model: ").append(model).append("; ").append(rows.size()).append(" prompts, seed ").append(seed).append(", ").append(steps > 0 ? steps + " steps" : "no denoising: rendered clips through the VAE and back").append(".\n\n");
        s.append("| combinations | prompts | object colour | background | motion direction |\n|---|---|---|---|---|\n");
        row(s, "held out", heldOut());
        row(s, "seen", seenCombinations());
        row(s, "all", all());
        s.append(String.format(Locale.ROOT, "%nTargets on the held-out combinations: object colour ≥ %.0f %%, background ≥ %.0f %%, motion direction ≥ %.0f %%: %s.%n%n",
                TARGET_OBJECT * 100, TARGET_BACKGROUND * 100, TARGET_MOTION * 100, targetsMet() ? "met" : "not met"));
        s.append("| # | prompt | held out | seed | object colour | background | motion |\n|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            EvalPrompts.Prompt p = r.prompt();
            s.append("| ").append(p.index()).append(" | ").append(p.prompt()).append(" | ").append(p.heldOut() ? "yes" : "no").append(" | ").append(p.seed())
                    .append(" | ").append(mark(r.objectRight(), word(r.seen().object())))
                    .append(" | ").append(mark(r.backgroundRight(), word(r.seen().background())))
                    .append(" | ").append(mark(r.motionRight(), r.seen().motion() == null ? "none" : r.seen().motion().word())).append(" |\n");
        }
        return s.toString();
    }

    private static void row(StringBuilder s, String name, Accuracy a) {
        s.append(String.format(Locale.ROOT, "| %s | %d | %s | %s | %s |%n", name, a.prompts(), pct(a.object()), pct(a.background()), pct(a.motion())));
    }

    /** "93.3 %", or "–" for an empty group. */
    public static String pct(double v) { return Double.isNaN(v) ? "–" : String.format(Locale.ROOT, "%.1f %%", v * 100); }

    private static String mark(boolean right, String what) { return (right ? "✓ " : "✗ ") + what; }

    /** The colour's word, or "none" when the judge found no object. */
    static String word(ShapeClip.Color c) { return c == null ? "none" : c.word(); }

    /** Writes {@code report.json} and {@code report.md} into {@code dir}, each appearing only complete. */
    public void write(Path dir) {
        try {
            Files.createDirectories(dir);
            writeAtomically(dir.resolve("report.json"), JSON.writeValueAsString(json()) + "\n");
            writeAtomically(dir.resolve("report.md"), markdown());
        } catch (IOException e) {
            throw new ReelException("cannot write the report to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code text} to {@code file} so that the file appears only complete. */
    static void writeAtomically(Path file, String text) throws IOException {
        Path tmp = file.resolveSibling("." + file.getFileName() + ".partial");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        FileOps.moveIntoPlace(tmp, file);
    }
}
