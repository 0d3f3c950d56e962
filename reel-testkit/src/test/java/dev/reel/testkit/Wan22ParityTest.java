package dev.reel.testkit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Wan2.2 fixture sets as {@code reel parity} runs them: {@code wan22-ti2v-tiny} (the 2.2 VAE, per-token
 * timesteps, TI2V's text-to-video and its image-conditioned first frame) and {@code wan22-a14b-tiny} (two experts switched at the boundary, the second
 * guidance scale), made by {@code reel-models/src/test/python/make_wan22_fixtures.py}.
 */
class Wan22ParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"wan22-ti2v-tiny", "wan22-a14b-tiny"})
    void everyCasePasses(String name) {
        FixtureSet set = TestFixtures.named(name);
        try (ParityRunner r = new ParityRunner(set, GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.runAll(c -> System.out.printf("%-22s %-26s %.3e  (tol %.0e) %s%s%n", c.caseName(), c.output(),
                    c.relErr(), c.tolerance(), c.pass() ? "PASS" : "FAIL", c.error() == null ? "" : " " + c.error()));
            assertFalse(checks.isEmpty());
            for (ParityCheck c : checks) {
                assertTrue(c.pass(), name + " " + c.caseName() + "/" + c.output() + " failed: " + c.relErr() + (c.error() == null ? "" : " " + c.error()));
            }
        }
    }
}
