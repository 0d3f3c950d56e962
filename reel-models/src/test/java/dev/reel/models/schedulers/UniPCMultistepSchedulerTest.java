package dev.reel.models.schedulers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.util.List;
import java.util.Set;
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
        NoiseScheduler s = Schedulers.fromPretrained(fixture.set.pipelineDir().resolve("scheduler"), null);
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

    /**
     * On a straight flow path {@code x_σ = (1 − σ)·x0 + σ·ε} with the exact velocity {@code ε − x0}, every data
     * prediction equals x0, so any order, either B(h) and any corrector setting must land exactly on the path.
     */
    @Test
    void followsAStraightPathExactlyForAnyOrderAndSolver() {
        float[] x0 = {1, -2, 0.5f, 3}, eps = {0.3f, 0.7f, -1.1f, -0.4f};
        float[] vel = new float[4];
        for (int j = 0; j < 4; j++) vel[j] = eps[j] - x0[j];
        var cpu = Backends.cpu();
        for (int order = 1; order <= 3; order++) {
            for (var type : UniPCMultistepScheduler.SolverType.values()) {
                for (var disable : List.of(Set.<Integer>of(), Set.of(0, 1, 4))) {
                    var s = new UniPCMultistepScheduler(new UniPCMultistepScheduler.Config(1000, order, type, true, disable, 5.0, UniPCMultistepScheduler.FinalSigmas.ZERO));
                    s.setTimesteps(7);
                    double[] sig = s.sigmas();
                    Tensor x = cpu.fromFloats(path(x0, eps, sig[0]), DType.F32, 4);
                    Tensor v = cpu.fromFloats(vel, DType.F32, 4);
                    for (int i = 0; i < 7; i++) {
                        x = s.step(v, i, x);
                        assertArrayEquals(path(x0, eps, sig[i + 1]), x.toFloatArray(), 2e-5f, "order " + order + " " + type + " disable " + disable + " step " + i);
                    }
                }
            }
        }
    }

    private static float[] path(float[] x0, float[] eps, double sigma) {
        float[] p = new float[x0.length];
        for (int j = 0; j < p.length; j++) p[j] = (float) ((1 - sigma) * x0[j] + sigma * eps[j]);
        return p;
    }

    @Test
    void solvesSmallSystems() {
        double[] x = UniPCMultistepScheduler.solve(new double[][] {{0, 2, 1}, {1, 1, 1}, {4, -1, 0.5}}, new double[] {7, 6, 3.5});
        // 2y + z = 7, x + y + z = 6, 4x − y + z/2 = 3.5 → (1, 2, 3)
        assertArrayEquals(new double[] {1, 2, 3}, x, 1e-12);
    }

    /**
     * The history and last sample live outside the caller's scopes; {@link UniPCMultistepScheduler#reset} frees
     * them, so the bytes the CPU holds return to what they were before the run.
     */
    @Test
    void resetFreesTheStateKeptAcrossSteps() {
        var cpu = Backends.cpu();
        UniPCMultistepScheduler s = fromManifest();
        s.setTimesteps(4);
        long before = dev.reel.core.cpu.CpuStorage.liveBytes();
        try (var scope = dev.reel.core.Scope.open()) {
            Tensor sample = cpu.fromFloats(new float[] {0.5f, -1f, 2f, 0.25f}, DType.F32, 1, 4);
            for (int i = 0; i < 3; i++) sample = s.step(cpu.fromFloats(new float[] {0.1f * i, 0.2f, -0.3f, 0.4f}, DType.F32, 1, 4), i, sample);
        }
        long held = dev.reel.core.cpu.CpuStorage.liveBytes() - before;
        assertEquals(3 * 16, held, "two model outputs and the last sample, 16 bytes each, outlive the caller's scope");
        s.reset();
        assertEquals(before, dev.reel.core.cpu.CpuStorage.liveBytes());
    }
}
