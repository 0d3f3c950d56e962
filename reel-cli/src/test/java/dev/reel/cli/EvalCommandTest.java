package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel eval demo} end to end on the demo model, at two prompts and two steps: it runs and writes its report. */
class EvalCommandTest {
    @TempDir Path dir;

    @Test void writesTheReportVideosAndStrip() throws Exception {
        Path out = dir.resolve("eval"), strip = dir.resolve("card").resolve("strip.png");
        var r = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--count", "2", "--steps", "2", "--output", out.toString(),
                "--strip", strip.toString(), "--device", "cpu");
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("| held out | 1 |"), r.out());
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(2, j.path("prompts").asInt());
        assertEquals(2, j.path("steps").asInt());
        for (String group : List.of("held_out", "seen", "all")) {
            for (String key : List.of("prompts", "object_color", "background", "motion")) assertTrue(j.path("accuracy").path(group).has(key), group + "." + key);
        }
        assertEquals(1, j.path("accuracy").path("held_out").path("prompts").asInt());
        JsonNode rows = j.path("rows");
        assertEquals(2, rows.size());
        assertTrue(rows.get(0).path("held_out").asBoolean());
        assertTrue(!rows.get(1).path("held_out").asBoolean());
        for (JsonNode row : rows) {
            assertTrue(row.path("prompt").asText().endsWith(" background"), row.toString());
            for (String key : List.of("object_color", "background", "motion")) {
                assertTrue(row.path("expected").has(key) && row.path("detected").has(key) && row.path("correct").path(key).isBoolean(), row.toString());
            }
            assertTrue(Files.size(out.resolve(row.path("video").asText())) > 0, row.toString());
        }
        assertTrue(Files.readString(out.resolve("report.md")).contains("| held out | 1 |"));
        BufferedImage img = ImageIO.read(strip.toFile());
        assertEquals(4 + 6 * (320 + 4), img.getWidth(), "6 frames of the demo's 320-pixel width");
        assertEquals(4 + 2 * (20 + 192 + 4), img.getHeight(), "a captioned row per prompt");
    }

    @Test void badFlagsAreNamed() throws Exception {
        var count = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--count", "0", "--output", dir.resolve("a").toString());
        assertEquals(2, count.exit());
        assertTrue(count.err().contains("--count 0: must be at least 1"), count.err());
        var png = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--strip", "s.jpg", "--output", dir.resolve("b").toString());
        assertEquals(2, png.exit());
        assertTrue(png.err().contains("--strip s.jpg: must name a .png file"), png.err());
        Files.createDirectories(dir.resolve("c"));
        Files.writeString(dir.resolve("c").resolve("x"), "keep");
        var full = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--output", dir.resolve("c").toString());
        assertEquals(2, full.exit());
        assertTrue(full.err().contains("exists and is not empty"), full.err());
        assertEquals("keep", Files.readString(dir.resolve("c").resolve("x")));
        var cache = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--cache", "fastcache:0.1", "--output", dir.resolve("d").toString());
        assertEquals(2, cache.exit());
        assertTrue(cache.err().contains("invalid --cache fastcache:0.1") && cache.err().contains("teacache"), cache.err());
        assertFalse(Files.exists(dir.resolve("d").resolve("report.json")), "nothing written for a refused policy");
        var stripped = GenerateCommandTest.reel("eval", "demo", "--model", "demo-random", "--cache", "pab:2", "--strip", "s.png", "--output", dir.resolve("e").toString());
        assertEquals(2, stripped.exit());
        assertTrue(stripped.err().contains("--strip does not apply with --cache"), stripped.err());
    }

    @Test void vaeOnlyJudgesTheRoundTripsOfAPipelinesVae() throws Exception {
        Path out = dir.resolve("vae");
        // the fixture pipeline's tiny random VAE: the plumbing end to end (its scores mean nothing)
        var r = GenerateCommandTest.reel("eval", "demo", "--vae-only", "--model", dev.reel.core.fixtures.TestFixtures.locate().pipelineDir().toString(),
                "--count", "1", "--output", out.toString(), "--device", "cpu");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("model: the VAE of"), r.out());
        JsonNode j = new ObjectMapper().readTree(out.resolve("report.json").toFile());
        assertEquals(1, j.path("prompts").asInt());
        assertEquals(0, j.path("steps").asInt());
        assertTrue(!Files.exists(out.resolve("videos")), "a round trip writes no videos");
        var random = GenerateCommandTest.reel("eval", "demo", "--vae-only", "--model", "demo-random", "--output", dir.resolve("r").toString());
        assertEquals(2, random.exit());
        assertTrue(random.err().contains("--vae-only judges a trained VAE"), random.err());
        var steps = GenerateCommandTest.reel("eval", "demo", "--vae-only", "--model", "demo-random", "--steps", "3", "--output", dir.resolve("s").toString());
        assertEquals(2, steps.exit());
        assertTrue(steps.err().contains("do not apply to --vae-only"), steps.err());
    }
}
