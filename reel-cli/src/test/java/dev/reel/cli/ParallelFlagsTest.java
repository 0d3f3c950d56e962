package dev.reel.cli;

import static dev.reel.cli.GenerateCommandTest.reel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.cli.GenerateCommandTest.Run;
import dev.reel.pipeline.media.VideoProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --parallel}, {@code --devices} and {@code --num-gpus}: a plan on CPU ranks from the CLI, and clear refusals. */
class ParallelFlagsTest {
    @TempDir Path dir;

    private static String[] demo(Path out, String... extra) {
        String[] base = {"generate", "--model", "demo", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
                "--frames", "5", "--steps", "2", "--output", out.toString()};
        String[] all = new String[base.length + extra.length];
        System.arraycopy(base, 0, all, 0, base.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return all;
    }

    @Test
    void cfgTimesSpOnCpuRanksWritesTheVideo() {
        Path mp4 = dir.resolve("fox.mp4");
        Run r = reel(demo(mp4, "--device", "cpu", "--parallel", "cfg=2,sp=2"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("parallel cfg=2,sp=2 over [cpu, cpu, cpu, cpu] (ranks as threads); text encoder and VAE decode on rank 0"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("TextBroadcast ")), r.out());
        assertEquals(5, VideoProbe.of(mp4).frames());
    }

    @Test
    void aDegreeThatDoesNotDivideTheHeadsIsRefusedBeforeAnyCompute() {
        Path mp4 = dir.resolve("never.mp4");
        Run r = reel(demo(mp4, "--device", "cpu", "--parallel", "sp=3"));
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("--parallel sp=3 does not divide the transformer's 2 attention heads"), r.err());
        assertTrue(!Files.exists(mp4));
    }

    @Test
    void aPlanAndADeviceListOfDifferentSizesAreRefused() {
        Run r = reel(demo(dir.resolve("x.mp4"), "--devices", "cpu,cpu", "--parallel", "sp=4"));
        assertNotEquals(0, r.exit());
        assertTrue(r.err().contains("--parallel cfg=1,sp=4 runs 4 ranks, but 2 devices were given [cpu, cpu]"), r.err());
        Run bad = reel(demo(dir.resolve("y.mp4"), "--device", "cpu", "--parallel", "cfg=3"));
        assertTrue(bad.err().contains("--parallel cfg=3: must be 1 or 2"), bad.err());
    }
}
