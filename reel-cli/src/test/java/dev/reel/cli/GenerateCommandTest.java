package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.media.VideoProbe;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code reel generate} on the fixture pipeline, checked by decoding the MP4 with FFmpeg. */
class GenerateCommandTest {
    @TempDir Path dir;

    record Run(int exit, String out, String err) {}

    static Run reel(String... args) {
        CommandLine cl = ReelCli.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    static String model() { return TestFixtures.locate().pipelineDir().toString(); }

    @Test
    void writesAnH264Yuv420pMp4WithTheRequestedFramesAndSize() throws Exception {
        Path mp4 = dir.resolve("fox.mp4");
        Run r = reel("generate", "--model", model(), "--prompt", "A red fox runs through a snowy forest at dawn.",
                "--negative-prompt", "blurry", "--height", "64", "--width", "48", "--frames", "9", "--steps", "3",
                "--seed", "42", "--device", "cpu", "--output", mp4.toString());
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.err());
        VideoProbe p = VideoProbe.of(mp4);
        assertEquals("h264", p.codec());
        assertEquals("yuv420p", p.pixelFormat());
        assertEquals(9, p.frames());
        assertEquals(48, p.width());
        assertEquals(64, p.height());
        assertTrue(r.out().contains("denoising step 3/3"), "plain progress lines when not on a terminal");
        for (String stage : new String[] {"InputValidation", "TextEncoding", "TimestepPreparation", "LatentPreparation", "Denoising", "Decoding", "Output", "total"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(stage + " ")), "summary has " + stage);
        }
    }

    @Test
    void anInvalidFlagNamesTheFlagAndTheRuleAndWritesNothing() throws Exception {
        Path mp4 = dir.resolve("never.mp4");
        Run r = reel("generate", "--model", model(), "--prompt", "fox", "--height", "64", "--width", "48", "--frames", "8",
                "--steps", "2", "--device", "cpu", "--output", mp4.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("invalid --frames: numFrames = 8: must be 4k+1"), r.err());
        try (Stream<Path> s = Files.list(dir)) { assertEquals(0, s.count()); }
    }

    @Test
    void theDemoSaysItsWeightsAreRandomAndWritesAVideo() {
        Path mp4 = dir.resolve("demo.mp4");
        Run r = reel("generate", "--model", "demo", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
                "--frames", "5", "--steps", "2", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("random"), r.out());
        assertEquals(5, VideoProbe.of(mp4).frames());
    }

    @Test
    void infoListsTheComponents() {
        Run r = reel("info", "--model", model());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("transformer") && l.contains("WanTransformer3DModel") && l.contains("28,328") && l.contains("fp32")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("text_encoder") && l.contains("UMT5EncoderModel")), r.out());
    }

    @Test
    void anUnknownComponentClassIsNamedWithTheSupportedOnes() throws Exception {
        Path bad = dir.resolve("bad");
        Files.createDirectories(bad.resolve("transformer"));
        Files.writeString(bad.resolve("model_index.json"), "{\"_class_name\": \"WanPipeline\", \"transformer\": [\"diffusers\", \"FluxTransformer2DModel\"]}");
        Run r = reel("info", "--model", bad.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("class \"FluxTransformer2DModel\" is not supported; supported classes: WanTransformer3DModel"), r.err());
    }
}
