package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.MemoryLevel;
import dev.reel.core.fixtures.Compare;
import org.junit.jupiter.api.Test;

/**
 * Every memory level gives level 0's video on the CPU (where the offloads are no-ops and the transformer's
 * streamer is resident, but each level's path — the text encoder and VAE residency wrappers, the tiled-decode
 * switch, the per-block acquire/release — runs).
 */
class MemoryLevelsTest {
    private static float[] video(MemoryLevel level) {
        GeneratorOptions o = GeneratorOptions.defaults();
        try (VideoGenerator gen = VideoGenerator.demo(o.withSystem(o.system().withMemoryLevel(level)))) {
            return gen.generate(gen.requestBuilder("a red fox in the snow").size(64, 48).numFrames(5).numInferenceSteps(2).seed(7L).build())
                    .frames().rgb();
        }
    }

    @Test
    void everyLevelGivesLevelZerosVideo() {
        float[] base = video(MemoryLevel.RESIDENT);
        for (MemoryLevel level : MemoryLevel.values()) {
            if (level == MemoryLevel.RESIDENT) continue;
            // equal up to float rounding (the CPU backend's parallel sums may associate differently run to run)
            double err = Compare.relErr(video(level), base);
            assertTrue(err <= 1e-5, "memory level " + level.level() + ": rel err " + err + " against level 0");
        }
    }
}
