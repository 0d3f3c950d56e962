package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import org.junit.jupiter.api.Test;

/** {@code reel parity} on the fixture set. */
class ParityCommandTest {
    @Test
    void everyCasePassesAndExitIsZero() {
        var r = GenerateCommandTest.reel("parity", TestFixtures.locate().root().toString(), "--device", "cpu");
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.out() + r.err());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pipeline") && l.contains("frames") && l.endsWith("PASS")), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("pipeline") && l.contains("step_latents[0]") && l.endsWith("PASS")), r.out());
        assertTrue(r.out().contains("0 failed: PASS"), r.out());
    }

    @Test
    void aToleranceTooTightFailsWithExitOne() {
        var r = GenerateCommandTest.reel("parity", TestFixtures.locate().root().toString(), "--case", "transformer", "--rtol", "1e-12", "--device", "cpu");
        assertEquals(1, r.exit());
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("transformer") && l.contains("FAIL")), r.out());
    }
}
