package dev.reel.pipeline.stages;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigJson;
import org.junit.jupiter.api.Test;

/** Which expert runs a step: Diffusers' {@code t >= boundary_ratio * num_train_timesteps} for the high-noise one. */
class DenoisingExpertsTest {
    /** The fixture transformer's module tree (no weights: residency is not under test here). */
    private static WanTransformer3DModel skeleton() {
        return WanTransformer3DModel.fromConfig(ConfigJson.read(TestFixtures.locate().pipelineDir().resolve("transformer/config.json")));
    }

    @Test void switchesAtTheBoundary() {
        WanTransformer3DModel high = skeleton(), low = skeleton();
        DenoisingExperts e = DenoisingExperts.two(high, low, 0.875, false);
        assertTrue(e.isPair());
        assertEquals(DenoisingExperts.HIGH, e.at(999, 1000));
        assertEquals(DenoisingExperts.HIGH, e.at(875, 1000));        // t ≥ boundary: high noise
        assertEquals(DenoisingExperts.LOW, e.at(874.99, 1000));
        assertEquals(DenoisingExperts.LOW, e.at(0, 1000));
        assertSame(low, e.model(DenoisingExperts.LOW));
        assertEquals(DenoisingExperts.LOW, e.at(900, 2000), "the boundary scales with num_train_timesteps: 1750");
        assertEquals(DenoisingExperts.HIGH, e.at(1750, 2000));
    }

    @Test void oneTransformerRunsEveryStep() {
        WanTransformer3DModel t = skeleton();
        DenoisingExperts e = DenoisingExperts.single(t);
        assertFalse(e.isPair());
        assertEquals(DenoisingExperts.HIGH, e.at(0, 1000));
        assertSame(t, e.model(e.at(500, 1000)));
    }
}
