package dev.reel.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GeneratorOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The whole pipeline and every other case of the fixture set, as {@code reel parity} runs them. */
class ParityRunnerTest {
    private static void print(ParityCheck c) {
        System.out.printf("%-16s %-26s %.3e  (tol %.0e) %s%s%n", c.caseName(), c.output(), c.relErr(), c.tolerance(),
                c.pass() ? "PASS" : "FAIL", c.error() == null ? "" : " " + c.error());
    }

    @Test
    void pipelineCaseMatchesEmbeddingsStepLatentsAndFrames() {
        FixtureSet set = TestFixtures.locate();
        try (ParityRunner r = new ParityRunner(set, GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.run("pipeline");
            checks.forEach(ParityRunnerTest::print);
            int steps = set.caseConfig("pipeline").get("num_inference_steps").intValue();
            assertEquals(2 + steps + 1, checks.size(), "prompt + negative embeds, every step, frames");
            for (ParityCheck c : checks) {
                assertTrue(c.pass(), c.output() + ": " + c.relErr() + " > " + c.tolerance() + (c.error() == null ? "" : " (" + c.error() + ")"));
                if (c.output().endsWith("prompt_embeds")) assertTrue(c.relErr() <= 1e-4, c.output() + " rel err " + c.relErr() + " > 1e-4");
            }
        }
    }

    @Test
    void everyCaseOfTheSetPasses() {
        try (ParityRunner r = new ParityRunner(TestFixtures.locate(), GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.runAll(ParityRunnerTest::print);
            assertFalse(checks.isEmpty());
            for (ParityCheck c : checks) assertTrue(c.pass(), c.caseName() + "/" + c.output() + " failed: " + c.relErr() + (c.error() == null ? "" : " " + c.error()));
        }
    }

    @Test
    void aTighterOverrideFailsAndSaysSo() {
        try (ParityRunner r = new ParityRunner(TestFixtures.locate(), GeneratorOptions.defaults(), 1e-12)) {
            List<ParityCheck> checks = r.run("transformer");
            assertEquals(1, checks.size());
            assertFalse(checks.get(0).pass(), "1e-12 is tighter than fp32 reaches");
            assertEquals(1e-12, checks.get(0).tolerance());
        }
    }
}
