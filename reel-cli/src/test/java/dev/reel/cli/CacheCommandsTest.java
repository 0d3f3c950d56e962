package dev.reel.cli;

import static dev.reel.cli.GenerateCommandTest.model;
import static dev.reel.cli.GenerateCommandTest.reel;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel calibrate}, {@code reel generate --cache} and {@code reel compare} together on the fixture pipeline. */
class CacheCommandsTest {
    @TempDir Path dir;

    static final String[] SAMPLE = {"--model", null, "--prompt", "a red fox in the snow", "--height", "64", "--width", "48",
            "--frames", "5", "--steps", "8", "--seed", "3", "--device", "cpu"};

    static String[] with(String... more) {
        String[] s = SAMPLE.clone();
        s[1] = model();
        String[] all = new String[s.length + more.length];
        System.arraycopy(more, 0, all, 0, 1);
        System.arraycopy(s, 0, all, 1, s.length);
        System.arraycopy(more, 1, all, 1 + s.length, more.length - 1);
        return all;
    }

    @Test
    void calibrateThenGenerateCachedThenCompare() {
        Path calibration = dir.resolve("teacache.json");
        GenerateCommandTest.Run c = reel(with("calibrate", "--cache", "teacache", "-o", calibration.toString()));
        assertEquals(0, c.exit(), c.err());
        assertTrue(Files.isRegularFile(calibration));
        assertTrue(c.out().contains("use --cache teacache:THRESHOLD,calibration="), c.out());

        Path plain = dir.resolve("plain.mp4"), cached = dir.resolve("cached.mp4");
        GenerateCommandTest.Run p = reel(with("generate", "--output", plain.toString()));
        assertEquals(0, p.exit(), p.err());
        assertTrue(p.out().contains("transformer passes: 16 run, 0 skipped (cache none)"), p.out());
        GenerateCommandTest.Run g = reel(with("generate", "--cache", "teacache:0.5,calibration=" + calibration, "--output", cached.toString()));
        assertEquals(0, g.exit(), g.err());
        assertTrue(g.out().matches("(?s).*transformer passes: \\d+ run, [1-9]\\d* skipped \\(cache teacache:0.5,calibration=.*"), g.out());

        GenerateCommandTest.Run same = reel("compare", plain.toString(), plain.toString());
        assertEquals(0, same.exit(), same.err());
        assertTrue(same.out().contains("PSNR  RGB Infinity dB") || same.out().contains("PSNR  RGB ∞"), same.out());
        assertTrue(same.out().contains("SSIM  RGB 1.00000, luma 1.00000"), same.out());
        GenerateCommandTest.Run diff = reel("compare", "--per-frame", plain.toString(), cached.toString());
        assertEquals(0, diff.exit(), diff.err());
        assertTrue(diff.out().contains("5 frames of 48x64"), diff.out());
        assertEquals(5, diff.out().lines().filter(l -> l.matches("\\s+\\d+\\s+[\\d.]+.*")).count(), diff.out());
    }

    @Test
    void anUnknownCacheNamesTheAllowedOnes() {
        GenerateCommandTest.Run r = reel(with("generate", "--cache", "fastcache:1", "--output", dir.resolve("x.mp4").toString()));
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("invalid --cache: cache = \"fastcache:1\": unknown cache strategy 'fastcache'; allowed: none, teacache, pab, magcache, easycache"), r.err());
    }
}
