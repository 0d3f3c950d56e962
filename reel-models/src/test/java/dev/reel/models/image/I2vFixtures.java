package dev.reel.models.image;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import java.util.Optional;

/** The image-to-video fixture sets, made by {@code make_i2v_fixtures.py}; tests skip, saying so, until they are dropped in. */
public final class I2vFixtures {
    /** The I2V set (processors, image encoders, transformer, pipeline). */
    public static final String I2V = "wan21-i2v-tiny";
    /** The first-and-last-frame set (transformer with pos_embed, pipeline with last_image). */
    public static final String FLF2V = "wan21-flf2v-tiny";
    private static final String SCRIPT = "reel-models/src/test/python/make_i2v_fixtures.py";

    private I2vFixtures() {}

    /** The set {@code name}, or the test is skipped with a message saying how to make it. */
    public static FixtureSet require(String name) {
        Optional<FixtureSet> set = TestFixtures.sibling(name);
        assumeTrue(set.isPresent(), TestFixtures.missing(name, SCRIPT));
        return set.get();
    }
}
