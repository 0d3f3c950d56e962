package dev.reel.testkit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every case of the image-to-video fixture sets (Diffusers' WanImageToVideoPipeline, Transformers' CLIP, made by
 * {@code reel-models/src/test/python/make_i2v_fixtures.py}) as {@code reel parity} runs them, fp32 on the CPU.
 */
class ImageToVideoParityTest {

    @ParameterizedTest
    @ValueSource(strings = {"wan21-i2v-tiny", "wan21-flf2v-tiny"})
    void everyCasePasses(String name) {
        Optional<FixtureSet> set = TestFixtures.sibling(name);
        assumeTrue(set.isPresent(), TestFixtures.missing(name, "reel-models/src/test/python/make_i2v_fixtures.py"));
        try (ParityRunner r = new ParityRunner(set.get(), GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.runAll(c -> System.out.printf("%-26s %-34s %.3e (tol %.0e) %s%s%n", c.caseName(), c.output(),
                    c.relErr(), c.tolerance(), c.pass() ? "PASS" : "FAIL", c.error() == null ? "" : " " + c.error()));
            assertTrue(checks.size() > 3, "the set compared " + checks.size() + " outputs");
            for (ParityCheck c : checks) assertTrue(c.pass(), c.caseName() + " " + c.output() + ": " + c.relErr() + " > " + c.tolerance() + (c.error() == null ? "" : " (" + c.error() + ")"));
        }
    }
}
