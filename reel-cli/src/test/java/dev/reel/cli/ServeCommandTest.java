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

    /** The configs are read before the server starts; weights that fail to load fail in the worker, with the reason. */
    @Test void aFolderThatIsNoPipelineStopsTheServerWithItsReason() throws Exception {
        Path missing = dir.resolve("no-such-model");
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--model", missing.toString(), "--port", "0",
                "--data-dir", dir.resolve("data").toString(), "--device", "cpu");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("no-such-model: not a folder, and not a Hugging Face id"), "refused before the server starts: " + r.err());

        Path noWeights = GenerateCommandTest.configsOnly(dir.resolve("no-weights"));
        r = GenerateCommandTest.reel("serve", "--model", noWeights.toString(), "--port", "0", "--data-dir", dir.resolve("data").toString(), "--device", "cpu");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("loading no-weights on cpu failed"), r.err());
    }

    @Test void badLimitsAreRefused() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--model", "demo-random", "--queue-size", "0", "--data-dir", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("queue size = 0: must be at least 1"), r.err());
    }

    @Test void aLoraThatDoesNotFitIsRefusedNamingTheKey() {
        GenerateCommandTest.Run r = GenerateCommandTest.reel("serve", "--model", "demo-random", "--lora", dir.resolve("none.safetensors") + ":0.5",
                "--port", "0", "--data-dir", dir.resolve("data").toString(), "--device", "cpu");
        assertEquals(2, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("invalid --lora") && r.err().contains("none.safetensors does not exist"), r.err());

        Path bad = dir.resolve("bad.safetensors");
        var cpu = dev.reel.core.Backends.cpu();
        dev.reel.core.safetensors.SafetensorsWriter.write(bad, java.util.Map.of(
                "transformer.blocks.9.attn1.to_q.lora_A.weight", cpu.zeros(dev.reel.core.DType.F32, 2, 24),
                "transformer.blocks.9.attn1.to_q.lora_B.weight", cpu.zeros(dev.reel.core.DType.F32, 24, 2)));
        r = GenerateCommandTest.reel("serve", "--model", dev.reel.core.fixtures.TestFixtures.locate().pipelineDir().toString(), "--lora", bad.toString(),
                "--port", "0", "--data-dir", dir.resolve("data2").toString(), "--device", "cpu");
        assertEquals(1, r.exit(), r.out() + r.err());
        assertTrue(r.err().contains("'transformer.blocks.9.attn1.to_q.lora_A.weight'"), r.err());
    }
}
