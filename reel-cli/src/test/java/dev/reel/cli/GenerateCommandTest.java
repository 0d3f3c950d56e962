package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
        assertTrue(r.out().contains("decoding chunk 3/3"), "the VAE decode shows its progress per latent frame");
        for (String stage : new String[] {"InputValidation", "TextEncoding", "TimestepPreparation", "LatentPreparation", "Denoising", "Decoding", "Output", "total"}) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(stage + " ")), "summary has " + stage);
        }
    }

    @Test
    void everyBrokenRuleIsOneLineAndIsFoundFromTheConfigsBeforeAnyWeightIsRead() throws Exception {
        // a pipeline folder with the fixture's configs but no weights at all: validation must not need them
        Path configsOnly = configsOnly(dir.resolve("configs-only"));
        Path mp4 = dir.resolve("never.mp4");
        Run r = reel("generate", "--model", configsOnly.toString(), "--prompt", "fox", "--height", "64", "--width", "600", "--frames", "8",
                "--steps", "2", "--x264-preset", "warp", "--device", "cpu", "--output", mp4.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(java.util.List.of(
                "reel generate: --width 600: must be a positive multiple of 16: the nearest allowed value is 512",
                "reel generate: --frames 8: must be 4k+1 (1, 5, 9, …, 81, …): the nearest allowed values are 5 and 9",
                "reel generate: --x264-preset \"warp\": must be one of " + dev.reel.pipeline.media.Mp4Writer.PRESETS), r.err().lines().toList());
        assertEquals("", r.out());
        assertFalse(Files.exists(mp4));
    }

    /** The fixture pipeline's configs without any weights, copied into {@code target}. */
    static Path configsOnly(Path target) throws java.io.IOException {
        Path src = dev.reel.core.fixtures.TestFixtures.locate().pipelineDir();
        try (Stream<Path> files = Files.walk(src)) {
            for (Path f : files.filter(Files::isRegularFile).filter(f -> !f.toString().endsWith(".safetensors")).toList()) {
                Path t = target.resolve(src.relativize(f).toString());
                Files.createDirectories(t.getParent());
                Files.copy(f, t);
            }
        }
        return target;
    }

    @Test
    void everyCommandAndSubcommandAnswersHelp() {
        java.util.List<java.util.List<String>> paths = new java.util.ArrayList<>();
        collect(ReelCli.commandLine(), new java.util.ArrayList<>(), paths);
        assertTrue(paths.size() >= 8, "commands found: " + paths);
        for (var path : paths) {
            for (String form : new String[] {"--help", "-h", "help"}) {
                var args = new java.util.ArrayList<>(path);
                args.add(form);
                Run r = reel(args.toArray(String[]::new));
                assertEquals(0, r.exit(), args + ": " + r.err());
                assertTrue(r.out().startsWith("Usage: reel" + (path.isEmpty() ? "" : " " + String.join(" ", path))), args + ": " + r.out());
            }
            if (!path.isEmpty()) {
                var args = new java.util.ArrayList<>(java.util.List.of("help"));
                args.addAll(path.subList(0, 1));
                assertEquals(0, reel(args.toArray(String[]::new)).exit(), "reel help " + path.getFirst());
            }
        }
        Run list = reel("--help");
        assertTrue(list.out().lines().anyMatch(l -> l.strip().startsWith("parity") && l.strip().endsWith(".")), "parity's line is a whole sentence: " + list.out());
    }

    private static void collect(CommandLine cl, java.util.List<String> prefix, java.util.List<java.util.List<String>> out) {
        out.add(java.util.List.copyOf(prefix));
        for (var e : cl.getSubcommands().entrySet()) {
            if (e.getKey().equals("help")) continue;
            var next = new java.util.ArrayList<>(prefix);
            next.add(e.getKey());
            collect(e.getValue(), next, out);
        }
    }

    @Test
    void promptFileAndNumVideosMakeOneVideoPerPromptAndSeedAndALongPromptIsWarnedAbout() throws Exception {
        Path prompts = dir.resolve("prompts.txt");
        Files.writeString(prompts, "a red fox\n\na grey wolf howling at the moon over a frozen lake at night\n");
        Path out = dir.resolve("batch.mp4");
        Run r = reel("generate", "--model-path", model(), "--prompt-file", prompts.toString(), "--num-videos", "2", "--seed", "5",
                "--height", "32", "--width", "32", "--num-frames", "1", "--num-inference-steps", "1", "--guidance-scale", "1",
                "--max-sequence-length", "8", "--device", "cpu", "--output-path", out.toString());
        assertEquals(0, r.exit(), r.err());
        for (int i = 1; i <= 4; i++) assertTrue(Files.isRegularFile(dir.resolve("batch-" + i + ".mp4")), "video " + i + ": " + r.out());
        assertEquals(java.util.List.of(5L, 6L, 5L, 6L), r.out().lines().filter(l -> l.startsWith("wrote ")).map(l -> Long.parseLong(l.replaceAll(".*\\(seed (\\d+)\\)$", "$1"))).toList());
        assertTrue(r.err().contains("reel: warning: the prompt has ") && r.err().contains("max_sequence_length = 8, so the last"), r.err());

        Run q = reel("generate", "--model", model(), "--prompt", "fox", "--height", "32", "--width", "32", "--frames", "1", "--steps", "1",
                "--device", "cpu", "--quiet", "-o", dir.resolve("quiet.mp4").toString());
        assertEquals(0, q.exit(), q.err());
        assertEquals(1, q.out().lines().count(), "--quiet prints only the result: " + q.out());
    }

    /** --lora changes the video; merged and on the fly give the same frames; a bad file names the flag and the file. */
    @Test
    void loraFlagAppliesAFileOnTheFlyOrMerged() throws Exception {
        String lora = TestFixtures.locate().root().resolveSibling("wan21-tiny-lora").resolve("reel_lora.safetensors").toString();
        String[] common = {"generate", "--model", model(), "--prompt", "a fox", "--height", "32", "--width", "32", "--frames", "5",
                "--steps", "2", "--seed", "1", "--device", "cpu", "--format", "png", "--output"};
        Path plain = dir.resolve("plain"), onTheFly = dir.resolve("fly"), merged = dir.resolve("merged");
        assertEquals(0, reel(concat(common, plain.toString())).exit());
        Run r = reel(concat(common, onTheFly.toString(), "--lora", lora + ":2"));
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("20 linears adapted, applied on the fly"), r.out());
        assertEquals(0, reel(concat(common, merged.toString(), "--lora", lora + ":2", "--lora-merge")).exit());
        String last = "frame_00004.png";
        assertTrue(maxPixelDifference(plain.resolve(last), onTheFly.resolve(last)) > 8, "the LoRA changes the frames");
        assertTrue(maxPixelDifference(onTheFly.resolve(last), merged.resolve(last)) <= 1, "merged = on the fly, up to 8-bit rounding");

        Run bad = reel(concat(common, dir.resolve("bad").toString(), "--lora", dir.resolve("nope.safetensors") + ":0.5"));
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("invalid --lora") && bad.err().contains("nope.safetensors does not exist"), bad.err());
    }

    private static int maxPixelDifference(Path a, Path b) throws Exception {
        var x = javax.imageio.ImageIO.read(a.toFile());
        var y = javax.imageio.ImageIO.read(b.toFile());
        int max = 0;
        for (int i = 0; i < x.getWidth(); i++) {
            for (int j = 0; j < x.getHeight(); j++) {
                int p = x.getRGB(i, j), q = y.getRGB(i, j);
                for (int c = 0; c < 24; c += 8) max = Math.max(max, Math.abs(((p >> c) & 255) - ((q >> c) & 255)));
            }
        }
        return max;
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    @Test
    void theDemoSaysItsWeightsAreRandomAndWritesAVideo() {
        Path mp4 = dir.resolve("demo.mp4");
        Run r = reel("generate", "--model", "demo-random", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
                "--frames", "5", "--steps", "2", "--device", "cpu", "--output", mp4.toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("random"), r.out());
        assertEquals(5, VideoProbe.of(mp4).frames());
    }

    @Test
    void profileStepsPrintsWhereTheDenoisingStepsWent() {
        Path mp4 = dir.resolve("profiled.mp4");
        Run r = reel("generate", "--model", "demo-random", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
                "--frames", "5", "--steps", "3", "--device", "cpu", "--output", mp4.toString(), "--profile-steps", "1");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("profile of steps 2..2"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("attention f32")), r.out());
        assertTrue(r.out().contains("timed ops: "), r.out());
        // more steps asked for than the run has: the table covers the steps there were
        Run shorter = reel("generate", "--model", "demo-random", "--prompt", "a red fox in the snow", "--height", "32", "--width", "32",
                "--frames", "5", "--steps", "3", "--device", "cpu", "--output", dir.resolve("short.mp4").toString(), "--profile-steps", "9");
        assertEquals(0, shorter.exit(), shorter.err());
        assertTrue(shorter.out().contains("profile of steps 2..3"), shorter.out());
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
