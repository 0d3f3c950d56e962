package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.cli.GenerateCommandTest.Run;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.media.VideoProbe;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel generate} on the tiny Wan2.2 pipelines (CPU): TI2V-5B's ×16 VAE and 24 fps, A14B's two experts. */
class Wan22GenerateTest {
    @TempDir Path dir;

    private static String model(String set) { return TestFixtures.named(set).pipelineDir().toString(); }

    @Test
    void ti2vWritesItsSizeAtTwentyFourFps() {
        Path mp4 = dir.resolve("ti2v.mp4");
        Run r = GenerateCommandTest.reel("generate", "--model", model("wan22-ti2v-tiny"), "--prompt", "a red fox", "--height", "64", "--width", "96",
                "--frames", "9", "--steps", "2", "--seed", "1", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        VideoProbe p = VideoProbe.of(mp4);
        assertEquals(9, p.frames());
        assertEquals(96, p.width());
        assertEquals(64, p.height());
        assertEquals(24.0, p.fps(), 1e-6, "Wan2.2 TI2V's default frame rate");
    }

    @Test
    void ti2vSizesAreMultiplesOfThirtyTwo() {
        Run r = GenerateCommandTest.reel("generate", "--model", model("wan22-ti2v-tiny"), "--prompt", "a red fox", "--height", "48", "--width", "96",
                "--frames", "9", "--device", "cpu", "--output", dir.resolve("no.mp4").toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("reel generate: --height 48: must be a positive multiple of 32: the nearest allowed values are 32 and 64", r.err().strip());
    }

    @Test
    void a14bTakesASecondGuidanceScale() {
        Path mp4 = dir.resolve("a14b.mp4");
        Run r = GenerateCommandTest.reel("generate", "--model", model("wan22-a14b-tiny"), "--prompt", "a red fox", "--height", "64", "--width", "48",
                "--frames", "9", "--steps", "3", "--guidance", "4", "--guidance-scale-2", "3", "--seed", "1", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        assertEquals(9, VideoProbe.of(mp4).frames());
    }

    @Test
    void aSecondGuidanceScaleIsRefusedByOneTransformerModels() {
        Path mp4 = dir.resolve("never.mp4");
        Run r = GenerateCommandTest.reel("generate", "--model", TestFixtures.locate().pipelineDir().toString(), "--prompt", "a red fox",
                "--height", "64", "--width", "48", "--frames", "9", "--guidance-scale-2", "3", "--device", "cpu", "--output", mp4.toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().startsWith("reel generate: --guidance-scale-2 3.0: is only used by models with two experts"), r.err());
        assertFalse(Files.exists(mp4));
    }
}
