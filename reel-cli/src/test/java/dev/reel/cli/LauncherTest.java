package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launcher, {@code bin/reel}, as users run it (with this build's classes through REEL_CLASSPATH, so the
 * test needs no packaged jar): help, errors before loading, default output names, the heap setting, no JVM
 * noise on stderr. Kept to a few JVM starts.
 */
class LauncherTest {
    static final Path LAUNCHER = Path.of(System.getProperty("maven.multiModuleProjectDirectory", ".."), "bin", "reel").toAbsolutePath().normalize();

    @TempDir Path cwd;

    record Run(int exit, String out, String err) {}

    static Run launch(Path cwd, Map<String, String> env, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(LAUNCHER.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile());
        pb.environment().put("REEL_CLASSPATH", System.getProperty("java.class.path"));
        pb.environment().putAll(env);
        Path out = Files.createTempFile(cwd.getParent(), "out", ".txt"), err = Files.createTempFile(cwd.getParent(), "err", ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "bin/reel " + String.join(" ", args) + " did not finish");
        p.getInputStream().close();
        Thread.sleep(100); // the launcher's stderr filter may flush its last line just after the JVM exits
        return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
    }

    @Test
    void helpWorksOnEveryCommandAndNothingButReelSpeaksOnStderr() throws Exception {
        Run r = launch(cwd, Map.of(), "help", "generate");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("Usage: reel generate"), r.out());
        assertTrue(r.out().contains("--num-inference-steps"), "aliases are listed");
        assertEquals("", r.err(), "no 'WARNING: Using incubator modules' or other JVM noise");

        Run g = launch(cwd, Map.of(), "generate", "--help");
        assertEquals(0, g.exit(), g.err());
        assertEquals(r.out(), g.out());
    }

    @Test
    void badArgumentsAreListedOneLineEachBeforeAnythingLoads() throws Exception {
        Run r = launch(cwd, Map.of(), "generate", "--model", "demo-random", "--prompt", "a fox", "--frames", "80", "--height", "100", "--device", "cpu");
        assertEquals(2, r.exit(), r.err());
        assertEquals(List.of(
                "reel generate: --height 100: must be a positive multiple of 16: the nearest allowed values are 96 and 112",
                "reel generate: --frames 80: must be 4k+1 (1, 5, 9, …, 81, …): the nearest allowed values are 77 and 81"), r.err().lines().toList());
        assertEquals("", r.out(), "no usage, no model line: nothing was loaded");
    }

    @Test
    void withoutOutputTheVideoIsNamedFromPromptAndSeedAndNothingIsOverwritten() throws Exception {
        String[] args = {"generate", "--model", "demo-random", "--prompt", "A red fox, in the snow!", "--seed", "42", "--height", "32", "--width", "32",
                "--num-frames", "1", "--num-inference-steps", "1", "--device", "cpu"};
        Run first = launch(cwd, Map.of("REEL_HEAP", "512m"), args);
        assertEquals(0, first.exit(), first.err());
        assertTrue(first.out().lines().anyMatch(l -> l.startsWith("seed 42: 1 frames of 32x32")), "the seed is printed before the work: " + first.out());
        assertTrue(first.out().lines().filter(l -> l.contains("noise")).count() == 1, "the noise note once: " + first.out());
        Run second = launch(cwd, Map.of(), args);
        assertEquals(0, second.exit(), second.err());
        assertTrue(Files.isRegularFile(cwd.resolve("a-red-fox-in-the-snow-seed42.mp4")));
        assertTrue(Files.isRegularFile(cwd.resolve("a-red-fox-in-the-snow-seed42-2.mp4")), "the second run did not overwrite the first");
        assertEquals(Files.mismatch(cwd.resolve("a-red-fox-in-the-snow-seed42.mp4"), cwd.resolve("a-red-fox-in-the-snow-seed42-2.mp4")), -1L,
                "two runs with one seed give the same bytes");
    }

    @Test
    void theHeapFollowsTheOverride() throws Exception {
        Run r = launch(cwd, Map.of("REEL_HEAP", "300m"), "info");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("Java heap: at most 300 MiB"), r.out());
        Run p = launch(cwd, Map.of("REEL_MAX_RAM_PERCENT", "10"), "info");
        long total = new com.sun.management.OperatingSystemMXBean[] {
                (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()}[0].getTotalMemorySize();
        long shown = Long.parseLong(p.out().lines().filter(l -> l.startsWith("Java heap: at most ")).findFirst().orElseThrow()
                .replaceAll("Java heap: at most (\\d+) MiB.*", "$1"));
        assertEquals(total / 10 / (1 << 20), shown, total / 100 / (1 << 20) + 16.0, p.out());
        assertFalse(p.err().contains("Exception"), p.err());
    }
}
