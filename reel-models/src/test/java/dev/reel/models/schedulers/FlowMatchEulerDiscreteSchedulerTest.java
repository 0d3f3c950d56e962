package dev.reel.models.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import org.junit.jupiter.api.Test;

class FlowMatchEulerDiscreteSchedulerTest {
    private final SchedulerFixtureCase fixture = new SchedulerFixtureCase("scheduler_euler");

    private FlowMatchEulerDiscreteScheduler fromManifest() {
        return (FlowMatchEulerDiscreteScheduler) Schedulers.fromConfig("FlowMatchEulerDiscreteScheduler", fixture.config(), null);
    }

    @Test
    void scheduleMatchesReference() {
        fixture.checkSchedule(fromManifest());
    }

    @Test
    void everyStepMatchesReference() {
        fixture.checkSamples(fromManifest());
    }

    @Test
    void shiftOverrideAndUnsupportedOptions() {
        var s = (FlowMatchEulerDiscreteScheduler) Schedulers.fromConfig("FlowMatchEulerDiscreteScheduler", fixture.config(), 1.0);
        s.setTimesteps(3);
        // shift 1: sigmas are linspace(1, 1/1000, 3) then 0.
        double[] sig = s.sigmas();
        assertEquals(1.0, sig[0], 1e-7);
        assertEquals((1 + 0.001) / 2, sig[1], 1e-7);
        assertEquals(0.001, sig[2], 1e-7);
        assertEquals(0.0, sig[3]);
        assertEquals(1000 * sig[1], s.timesteps()[1], 1e-4);

        for (String flag : new String[] {"use_dynamic_shifting", "invert_sigmas", "stochastic_sampling", "use_karras_sigmas"}) {
            ObjectNode cfg = fixture.set.caseConfig("scheduler_euler").get("config").deepCopy();
            cfg.put(flag, true);
            var e = assertThrows(ConfigException.class, () -> FlowMatchEulerDiscreteScheduler.Config.from(ConfigJson.of("test", cfg), null));
            assertTrue(e.getMessage().contains(flag), e.getMessage());
        }
        var e = assertThrows(ConfigException.class, () -> Schedulers.fromConfig("DDIMScheduler", fixture.config(), null));
        assertTrue(e.getMessage().contains("DDIMScheduler"));
    }

    @Test
    void scaleNoiseIsTheFlowForwardProcess() {
        var s = fromManifest();
        s.setTimesteps(4);
        double sigma = s.sigmas()[1];
        Tensor x = Backends.cpu().fromFloats(new float[] {1, -2, 3}, DType.F32, 3);
        Tensor n = Backends.cpu().fromFloats(new float[] {0.5f, 0.25f, -1}, DType.F32, 3);
        float[] got = s.scaleNoise(x, 1, n).toFloatArray();
        float[] xs = {1, -2, 3}, ns = {0.5f, 0.25f, -1};
        for (int i = 0; i < 3; i++) assertEquals(sigma * ns[i] + (1 - sigma) * xs[i], got[i], 1e-6);
    }
}
