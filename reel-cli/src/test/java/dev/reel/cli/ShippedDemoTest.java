package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The small version of issue 12's judge that CI runs on the model in {@code models/reel-demo/} (the full one, 50
 * prompts on the GPU, is in its model card): 6 prompts on the CPU, half of them colour × shape × motion triples the
 * training set held out, each video judged for its object colour, background and motion; and the same seed gives the
 * same video, bit for bit. Skipped, with a message, while the trained weights are not in the repository.
 */
class ShippedDemoTest {
    /** The split the shipped model was trained on ({@code reel dataset shapes --seed 1}, models/reel-demo/README.md). */
    private static final String DATASET_SEED = "1";
    private static String before;

    @TempDir Path dir;

    @BeforeAll static void installationRoot() {
        before = System.getProperty(ModelSource.HOME_PROPERTY);
        System.setProperty(ModelSource.HOME_PROPERTY, Path.of("").toAbsolutePath().getParent().toString());   // the tests run in reel-cli/
        // the trained model ships in the repository: its weights missing is a broken checkout, not a reason to skip
        Assertions.assertNotNull(ModelSource.trainedDemo(), "models/reel-demo/ holds no trained weights: `--model demo` would quietly run the random demo");
    }

    @AfterAll static void restore() {
        if (before == null) System.clearProperty(ModelSource.HOME_PROPERTY);
        else System.setProperty(ModelSource.HOME_PROPERTY, before);
    }

    @Test void theJudgeFindsWhatThePromptsSayOnHeldOutCombinations() throws Exception {
        Path out = dir.resolve("eval");
        var r = GenerateCommandTest.reel("eval", "demo", "--model", "demo", "--count", "6", "--dataset-seed", DATASET_SEED,
                "--output", out.toString(), "--device", "cpu");
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.err());
        JsonNode heldOut = new ObjectMapper().readTree(out.resolve("report.json").toFile()).path("accuracy").path("held_out");
        assertEquals(3, heldOut.path("prompts").asInt());
        // 2 of 3 held-out prompts right on each attribute: the 50-prompt targets (90 / 90 / 80 %) at CI's sample size
        for (String attribute : new String[] {"object_color", "background", "motion"}) {
            assertTrue(heldOut.path(attribute).asDouble() >= 2.0 / 3 - 1e-9, attribute + " on held-out combinations: " + heldOut + "\n" + r.out());
        }
    }

    @Test void theSameSeedGivesTheSameVideoBitForBit() throws Exception {
        byte[][] frames = new byte[2][];
        for (int i = 0; i < 2; i++) {
            Path png = dir.resolve("run" + i);
            var r = GenerateCommandTest.reel("generate", "--model", "demo", "--prompt", "a red circle moves to the right on a blue background",
                    "--seed", "7", "--format", "png", "--output", png.toString(), "--device", "cpu", "--quiet");
            assertEquals(0, r.exit(), r.err());
            frames[i] = Files.readAllBytes(png.resolve("frame_00008.png"));
        }
        assertArrayEquals(frames[0], frames[1]);
    }
}
