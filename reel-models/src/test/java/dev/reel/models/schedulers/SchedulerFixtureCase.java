package dev.reel.models.schedulers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigJson;

/**
 * Runs a scheduler fixture case ({@code scheduler_unipc}, {@code scheduler_euler}): the manifest's config and
 * step count, {@code initial_sample}, {@code model_outputs[i]} → {@code timesteps}, {@code sigmas},
 * {@code samples[i]}. Each step runs in its own memory scope, as a pipeline does.
 */
final class SchedulerFixtureCase {
    final FixtureSet set = TestFixtures.locate();
    final String name;
    final double rtol;

    SchedulerFixtureCase(String name) {
        this.name = name;
        this.rtol = set.rtol(name);
    }

    ConfigJson config() { return ConfigJson.of(set.file(name) + " (manifest config)", set.caseConfig(name).get("config")); }

    int steps() { return set.caseConfig(name).get("num_inference_steps").intValue(); }

    static float[] floats(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
        return f;
    }

    /** Checks the schedule; returns the worst relative error of timesteps and sigmas. */
    double checkSchedule(NoiseScheduler s) {
        s.setTimesteps(steps());
        float[] refT = set.tensor(name, "timesteps").toFloatArray();
        float[] refS = set.tensor(name, "sigmas").toFloatArray();
        assertEquals(refT.length, s.timesteps().length, "timesteps length");
        assertEquals(refS.length, s.sigmas().length, "sigmas length");
        double eT = Compare.relErr(floats(s.timesteps()), refT);
        double eS = Compare.relErr(floats(s.sigmas()), refS);
        System.out.printf("%s: timesteps rel err %.3e, sigmas rel err %.3e%n", name, eT, eS);
        assertTrue(eT <= rtol, "timesteps rel err " + eT);
        assertTrue(eS <= rtol, "sigmas rel err " + eS);
        return Math.max(eT, eS);
    }

    /** Runs every step and compares each sample; returns the worst relative error. */
    double checkSamples(NoiseScheduler s) {
        s.setTimesteps(steps());
        Tensor outputs = set.tensor(name, "model_outputs");
        Tensor refs = set.tensor(name, "samples");
        Tensor sample = set.tensor(name, "initial_sample");
        double worst = 0;
        for (int i = 0; i < steps(); i++) {
            try (var scope = Scope.open()) {
                sample = scope.keep(s.step(outputs.select(0, i), i, sample));
            }
            double e = Compare.relErr(sample, refs.select(0, i));
            System.out.printf("%s: step %d sample rel err %.3e%n", name, i, e);
            assertTrue(e <= rtol, name + " step " + i + ": rel err " + e + " > rtol " + rtol);
            worst = Math.max(worst, e);
        }
        return worst;
    }
}
