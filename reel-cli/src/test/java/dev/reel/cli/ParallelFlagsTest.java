package dev.reel.cli;

import static dev.reel.cli.GenerateCommandTest.reel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.cli.GenerateCommandTest.Run;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.pipeline.media.VideoProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --parallel}, {@code --devices} and {@code --num-gpus}: a plan on CPU ranks from the CLI, and clear refusals. */
class ParallelFlagsTest {
    @TempDir Path dir;

    private static String[] demo(Path out, String... extra) {
        String[] base = {"generate", "--model", "demo-random", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
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

    @Test
    void serveCutsTheDevicesIntoWorkerGroupsOfThePlansSize() {
        ParallelOptions p = new ParallelOptions();
        p.numGpus = 8;
        p.parallel = "sp=2";
        assertEquals(List.of(List.of(Device.cuda(0), Device.cuda(1)), List.of(Device.cuda(2), Device.cuda(3)),
                List.of(Device.cuda(4), Device.cuda(5)), List.of(Device.cuda(6), Device.cuda(7))), p.workerGroups(Device.cuda(0)));
        p.numGpus = null;
        p.parallel = null;
        p.devices = List.of("cuda:0", "cuda:1");
        assertEquals(List.of(List.of(Device.cuda(0)), List.of(Device.cuda(1))), p.workerGroups(Device.cuda(0)));   // one worker per GPU
        p.devices = null;
        p.parallel = "sp=2";
        assertEquals(List.of(List.of(Device.CPU, Device.CPU)), p.workerGroups(Device.CPU));                          // CPU ranks as threads
        p.devices = List.of("cuda:0", "cuda:1", "cuda:2");
        var e = assertThrows(ReelException.class, () -> p.workerGroups(Device.cuda(0)));
        assertEquals("--parallel cfg=1,sp=2 makes groups of 2 devices; 3 devices [cuda:0, cuda:1, cuda:2] do not split into such groups", e.getMessage());
    }

    @Test
    void numGpusPicksCfgFirst() {
        ParallelOptions p = new ParallelOptions();
        assertEquals(new ParallelPlan(2, 4), p.plan(8));
        assertEquals(new ParallelPlan(1, 3), p.plan(3));
        assertEquals(ParallelPlan.SINGLE, p.plan(1));
    }
}
