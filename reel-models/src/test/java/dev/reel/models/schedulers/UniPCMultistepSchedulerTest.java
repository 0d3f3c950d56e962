package dev.reel.models.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import org.junit.jupiter.api.Test;

class UniPCMultistepSchedulerTest {
    private final SchedulerFixtureCase fixture = new SchedulerFixtureCase("scheduler_unipc");

    private UniPCMultistepScheduler fromManifest() {
        return new UniPCMultistepScheduler(UniPCMultistepScheduler.Config.from(fixture.config(), null));
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
    void pipelineFolderBuildsTheSameScheduler() {
        Scheduler s = Schedulers.fromPretrained(fixture.set.pipelineDir().resolve("scheduler"), null);
        assertTrue(s instanceof UniPCMultistepScheduler);
        fixture.checkSchedule(s);
    }

    @Test
    void flowShiftOverrideReplacesConfig() {
        var s = new UniPCMultistepScheduler(UniPCMultistepScheduler.Config.from(fixture.config(), 5.0));
        assertEquals(5.0, s.config().flowShift());
        s.setTimesteps(4);
        // σ = 5·u / (1 + 4·u) at u = linspace(1, 1/1000, 5)[:-1], the first nudged below 1.
        double[] u = {1, 1 - 0.999 / 4, 1 - 2 * 0.999 / 4, 1 - 3 * 0.999 / 4};
        double[] sig = s.sigmas();
        assertEquals(5, sig.length);
        assertEquals(1 - 1e-6, sig[0], 1e-7);
        for (int i = 1; i < 4; i++) assertEquals(5 * u[i] / (1 + 4 * u[i]), sig[i], 1e-7);
        assertEquals(0.0, sig[4]);
        assertArrayEquals(new double[] {999, (long) (1000 * 5 * u[1] / (1 + 4 * u[1])), (long) (1000 * 5 * u[2] / (1 + 4 * u[2])), (long) (1000 * 5 * u[3] / (1 + 4 * u[3]))}, s.timesteps());
    }

    @Test
    void unsupportedOptionsAreNamed() {
        for (String[] kv : new String[][] {{"use_karras_sigmas", "true"}, {"use_dynamic_shifting", "true"}, {"use_flow_sigmas", "false"},
                {"prediction_type", "\"epsilon\""}, {"solver_type", "\"dpm\""}, {"thresholding", "true"}, {"final_sigmas_type", "\"max\""}}) {
            ObjectNode cfg = fixture.set.caseConfig("scheduler_unipc").get("config").deepCopy();
            try {
                cfg.set(kv[0], new ObjectMapper().readTree(kv[1]));
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            var e = assertThrows(ConfigException.class, () -> UniPCMultistepScheduler.Config.from(ConfigJson.of("test", cfg), null));
            assertTrue(e.getMessage().contains(kv[0]), e.getMessage());
        }
    }

    @Test
    void stepsMustBeTakenInOrder() {
        UniPCMultistepScheduler s = fromManifest();
        assertThrows(ReelException.class, () -> s.step(null, 0, null), "step before setTimesteps");
        s.setTimesteps(fixture.steps());
        Tensor x = fixture.set.tensor("scheduler_unipc", "initial_sample");
        Tensor v = fixture.set.tensor("scheduler_unipc", "model_outputs").select(0, 0);
        s.step(v, 0, x);
        assertThrows(ReelException.class, () -> s.step(v, 2, x));
        assertThrows(ReelException.class, () -> s.step(v, fixture.steps(), x));
    }

    @Test
    void solvesSmallSystems() {
        double[] x = UniPCMultistepScheduler.solve(new double[][] {{0, 2, 1}, {1, 1, 1}, {4, -1, 0.5}}, new double[] {7, 6, 3.5});
        // 2y + z = 7, x + y + z = 6, 4x − y + z/2 = 3.5 → (1, 2, 3)
        assertArrayEquals(new double[] {1, 2, 3}, x, 1e-12);
    }
}
