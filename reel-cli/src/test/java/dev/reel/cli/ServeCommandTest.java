package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel serve}'s command line (the service itself is tested in reel-server). */
class ServeCommandTest {
    @TempDir Path dir;

    @Test void helpListsTheServiceOptions() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--help");
        assertEquals(0, r.exit(), r.err());
        for (String flag : new String[] {"--model", "--host", "--port", "--data-dir", "--device", "--devices", "--api-key", "--queue-size",
                "--max-steps", "--max-pixel-frames", "--max-side", "--max-body", "--shutdown-grace"}) {
            assertTrue(r.out().contains(flag), "help lacks " + flag);
        }
    }

    /** The configs are read before the server starts (weights that fail to load are HealthTest's). */
    @Test void aFolderThatIsNoPipelineStopsTheServerWithItsReason() {
        Path missing = dir.resolve("no-such-model");
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--model", missing.toString(), "--port", "0",
                "--data-dir", dir.resolve("data").toString(), "--device", "cpu");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("no-such-model: not a folder (expected a Diffusers pipeline folder with model_index.json)"), r.err());
    }

    @Test void badLimitsAreRefused() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--model", "demo", "--queue-size", "0", "--data-dir", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("queue size = 0: must be at least 1"), r.err());
    }
}
