package dev.reel.models.schedulers;

import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;

/**
 * Diffusers' {@code FlowMatchEulerDiscreteScheduler}: first-order Euler steps along the predicted velocity,
 * {@code x ← x + (σ_next − σ)·v}, on a shifted linear sigma schedule. Stateless between steps.
 */
public final class FlowMatchEulerDiscreteScheduler implements NoiseScheduler {

    /** The supported part of {@code scheduler_config.json}. */
    public record Config(int numTrainTimesteps, double shift) {
        public Config {
            if (numTrainTimesteps < 1) throw new ConfigException("FlowMatchEulerDiscreteScheduler: num_train_timesteps must be positive, got " + numTrainTimesteps);
            if (!(shift > 0)) throw new ConfigException("FlowMatchEulerDiscreteScheduler: shift must be positive, got " + shift);
        }

        /**
         * Reads the config; {@code shiftOverride} (may be null) replaces {@code shift}. Options Reel does not
         * implement (dynamic shifting, Karras/exponential/beta sigmas, terminal shift, inverted sigmas,
         * stochastic sampling) throw {@link ConfigException}.
         */
        public static Config from(ConfigJson c, Double shiftOverride) {
            for (String flag : new String[] {"use_dynamic_shifting", "use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "invert_sigmas", "stochastic_sampling"}) {
                if (c.getBoolean(flag, false)) throw new ConfigException(c.source() + ": \"" + flag + "\": true is not supported by Reel's FlowMatchEulerDiscreteScheduler");
            }
            if (c.has("shift_terminal")) throw new ConfigException(c.source() + ": \"shift_terminal\" is not supported by Reel's FlowMatchEulerDiscreteScheduler");
            int n = c.getInt("num_train_timesteps", 1000);
            double shift = shiftOverride != null ? shiftOverride : c.getDouble("shift", 1.0);
            c.logUnknownKeys();
            return new Config(n, shift);
        }
    }

    private final Config config;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];

    public FlowMatchEulerDiscreteScheduler(Config config) { this.config = config; }

    public Config config() { return config; }

    /**
     * As the reference: the training schedule's end points {@code σ_max = shift(1)} and
     * {@code σ_min = shift(1/N)} (in float32), {@code n} timesteps spaced linearly between them, divided by N and
     * shifted once more; timesteps are the float32 sigmas times N; a final sigma 0 is appended.
     */
    @Override public void setTimesteps(int numInferenceSteps) {
        if (numInferenceSteps < 1) throw new IllegalArgumentException("numInferenceSteps must be positive, got " + numInferenceSteps);
        int n = config.numTrainTimesteps();
        double sigmaMax = trainingSigma(n, n);
        double sigmaMin = trainingSigma(1, n);
        double[] t = new double[numInferenceSteps];
        double[] s = new double[numInferenceSteps + 1];
        double[] ts = Schedules.linspace(sigmaMax * n, sigmaMin * n, numInferenceSteps);
        for (int i = 0; i < numInferenceSteps; i++) {
            float sigma = (float) Schedules.shift(config.shift(), ts[i] / n);
            s[i] = sigma;
            t[i] = sigma * (float) n; // float32 product, as the reference's tensor op
        }
        s[numInferenceSteps] = 0;
        this.timesteps = t;
        this.sigmas = s;
    }

    /**
     * Sigma of training timestep {@code t} (1…N) as the reference's constructor computes it: float32 tensor
     * ops {@code σ = t/N}, then {@code shift·σ / (1 + (shift − 1)·σ)}, each operation rounded to float.
     */
    private double trainingSigma(int t, int n) {
        float sigma = (float) t / n;
        float shift = (float) config.shift(), shiftMinus1 = (float) (config.shift() - 1);
        return shift * sigma / (1f + shiftMinus1 * sigma);
    }

    @Override public int numInferenceSteps() { return timesteps.length; }

    @Override public int numTrainTimesteps() { return config.numTrainTimesteps(); }
    @Override public double[] timesteps() { return timesteps.clone(); }
    @Override public double[] sigmas() { return sigmas.clone(); }

    @Override public Tensor step(Tensor modelOutput, int stepIndex, Tensor sample) {
        Schedules.checkStep(stepIndex, numInferenceSteps());
        double dt = sigmas[stepIndex + 1] - sigmas[stepIndex];
        return Schedules.combine(new double[] {1, dt}, sample, modelOutput.to(sample.dtype()));
    }
}
