package dev.reel.models.schedulers;

import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Diffusers' {@code UniPCMultistepScheduler} for flow-matching models (Wan's default): a multistep predictor
 * (UniP) on the data prediction {@code x₀ = x − σ·v}, followed at the next step by a corrector (UniC) that
 * reuses the new model output, both with the B(h) coefficients (bh1/bh2) in half-log-SNR {@code λ = log(α/σ)},
 * {@code α = 1 − σ}. Scalar coefficients are computed in double from the float32 sigmas the reference stores.
 *
 * <p>State across steps, as in the reference: the last {@code solver_order} data predictions, the sample the
 * last predictor started from, and the order it used. That state is owned here (outside the caller's memory
 * scopes) and freed when it leaves the window or on {@link #setTimesteps}; steps must be taken in order.
 */
public final class UniPCMultistepScheduler implements NoiseScheduler {

    /** B(h) variant: {@code bh1} uses B(h) = h, {@code bh2} uses B(h) = eʰ − 1. */
    public enum SolverType { BH1, BH2 }

    /** What the schedule ends on: 0, or the last sigma of the schedule itself. */
    public enum FinalSigmas { ZERO, SIGMA_MIN }

    /** The supported part of {@code scheduler_config.json}. */
    public record Config(int numTrainTimesteps, int solverOrder, SolverType solverType, boolean lowerOrderFinal,
                         Set<Integer> disableCorrector, double flowShift, FinalSigmas finalSigmasType) {
        public Config {
            if (numTrainTimesteps < 1) throw new ConfigException("UniPCMultistepScheduler: num_train_timesteps must be positive, got " + numTrainTimesteps);
            if (solverOrder < 1) throw new ConfigException("UniPCMultistepScheduler: solver_order must be at least 1, got " + solverOrder);
            if (!(flowShift > 0)) throw new ConfigException("UniPCMultistepScheduler: flow_shift must be positive, got " + flowShift);
            disableCorrector = Set.copyOf(disableCorrector);
        }

        /**
         * Reads the config; {@code flowShiftOverride} (may be null) replaces {@code flow_shift}. Reel implements
         * the flow-matching configuration (prediction_type flow_prediction, use_flow_sigmas, predict_x0); any
         * other choice, and options such as Karras sigmas, dynamic shifting, thresholding or solver_p, throw
         * {@link ConfigException} naming the key.
         */
        public static Config from(ConfigJson c, Double flowShiftOverride) {
            String src = c.source();
            String prediction = c.getString("prediction_type", "epsilon");
            if (!prediction.equals("flow_prediction")) throw new ConfigException(src + ": \"prediction_type\": \"" + prediction + "\" is not supported by Reel's UniPCMultistepScheduler (only \"flow_prediction\")");
            if (!c.getBoolean("use_flow_sigmas", false)) throw new ConfigException(src + ": \"use_flow_sigmas\" must be true (Reel's UniPCMultistepScheduler implements flow sigmas only)");
            if (!c.getBoolean("predict_x0", true)) throw new ConfigException(src + ": \"predict_x0\": false is not supported with flow_prediction");
            for (String flag : new String[] {"use_karras_sigmas", "use_exponential_sigmas", "use_beta_sigmas", "use_dynamic_shifting", "thresholding"}) {
                if (c.getBoolean(flag, false)) throw new ConfigException(src + ": \"" + flag + "\": true is not supported by Reel's UniPCMultistepScheduler");
            }
            for (String key : new String[] {"solver_p", "shift_terminal"}) {
                if (c.has(key)) throw new ConfigException(src + ": \"" + key + "\" is not supported by Reel's UniPCMultistepScheduler");
            }
            // With flow sigmas the timesteps come from the sigmas, so the spacing only has to be a valid name.
            String spacing = c.getString("timestep_spacing", "linspace");
            if (!Set.of("linspace", "leading", "trailing").contains(spacing)) throw new ConfigException(src + ": \"timestep_spacing\": \"" + spacing + "\" is not one of linspace, leading, trailing");
            String solver = c.getString("solver_type", "bh2");
            SolverType type = switch (solver) {
                case "bh1" -> SolverType.BH1;
                case "bh2", "midpoint", "heun", "logrho" -> SolverType.BH2; // the reference maps these to bh2
                default -> throw new ConfigException(src + ": \"solver_type\": \"" + solver + "\" is not one of bh1, bh2");
            };
            String fin = c.getString("final_sigmas_type", "zero");
            FinalSigmas finalSigmas = switch (fin) {
                case "zero" -> FinalSigmas.ZERO;
                case "sigma_min" -> FinalSigmas.SIGMA_MIN;
                default -> throw new ConfigException(src + ": \"final_sigmas_type\": \"" + fin + "\" is not one of zero, sigma_min");
            };
            Set<Integer> disable = new TreeSet<>();
            if (c.has("disable_corrector")) for (int i : c.getIntArray("disable_corrector")) disable.add(i);
            double shift = flowShiftOverride != null ? flowShiftOverride : c.getDouble("flow_shift", 1.0);
            Config cfg = new Config(c.getInt("num_train_timesteps", 1000), c.getInt("solver_order", 2), type,
                    c.getBoolean("lower_order_final", true), disable, shift, finalSigmas);
            c.logUnknownKeys();
            return cfg;
        }
    }

    private final Config config;
    private double[] timesteps = new double[0];
    private double[] sigmas = new double[0];

    // State across steps (all owned here, detached from the caller's scopes).
    private final List<Tensor> modelOutputs = new ArrayList<>(); // data predictions, oldest first, at most solverOrder
    private Tensor lastSample;
    private int lowerOrderNums;
    private int thisOrder;
    private int nextStep = -1;

    public UniPCMultistepScheduler(Config config) { this.config = config; }

    public Config config() { return config; }

    /**
     * As the reference: {@code σ = linspace(1, 1/N, n+1)[:-1]}, shifted by flow_shift, the first nudged to
     * {@code 1 − 1e-6} so that {@code λ} stays finite; timesteps are {@code σ·N} truncated to integers; the final
     * sigma is 0 (or the last one, for sigma_min); sigmas are stored as float32.
     */
    @Override public void setTimesteps(int numInferenceSteps) {
        if (numInferenceSteps < 1) throw new IllegalArgumentException("numInferenceSteps must be positive, got " + numInferenceSteps);
        int n = config.numTrainTimesteps();
        double[] s = Arrays.copyOf(Schedules.linspace(1, 1.0 / n, numInferenceSteps + 1), numInferenceSteps);
        for (int i = 0; i < s.length; i++) s[i] = Schedules.shift(config.flowShift(), s[i]);
        if (Math.abs(s[0] - 1) < 1e-6) s[0] -= 1e-6;
        double[] t = new double[numInferenceSteps];
        double[] sig = new double[numInferenceSteps + 1];
        for (int i = 0; i < numInferenceSteps; i++) {
            t[i] = (long) (s[i] * n);
            sig[i] = (float) s[i]; // the reference stores sigmas as float32
        }
        sig[numInferenceSteps] = config.finalSigmasType() == FinalSigmas.ZERO ? 0 : sig[numInferenceSteps - 1];
        this.timesteps = t;
        this.sigmas = sig;
        reset();
    }

    /** Frees the state of a run in progress; the schedule stays. */
    @Override public void reset() {
        modelOutputs.forEach(Tensor::free);
        modelOutputs.clear();
        if (lastSample != null) lastSample.free();
        lastSample = null;
        lowerOrderNums = 0;
        thisOrder = 0;
        nextStep = -1;
    }

    @Override public int numInferenceSteps() { return timesteps.length; }

    @Override public int numTrainTimesteps() { return config.numTrainTimesteps(); }
    @Override public double[] timesteps() { return timesteps.clone(); }
    @Override public double[] sigmas() { return sigmas.clone(); }

    /**
     * Converts the output to a data prediction, corrects {@code sample} with it (UniC, except at the first step
     * and at steps listed in disable_corrector), then predicts the next sample (UniP) with order
     * {@code min(solver_order, steps taken + 1)}, lowered towards the end when lower_order_final is set.
     */
    @Override public Tensor step(Tensor modelOutput, int stepIndex, Tensor sample) {
        Schedules.checkStep(stepIndex, numInferenceSteps());
        if (nextStep >= 0 && stepIndex != nextStep) throw new ReelException("UniPCMultistepScheduler: expected step " + nextStep + ", got " + stepIndex + " (steps must be taken in order; call setTimesteps or reset to restart)");
        Tensor x0 = Scope.detach(Schedules.combine(new double[] {1, -sigmas[stepIndex]}, sample, modelOutput.to(sample.dtype())));

        boolean correct = stepIndex > 0 && lastSample != null && !config.disableCorrector().contains(stepIndex - 1);
        Tensor current = correct ? Scope.detach(correct(x0, stepIndex)) : Scope.detach(sample.backend().contiguous(sample));

        if (modelOutputs.size() == config.solverOrder()) modelOutputs.removeFirst().free();
        modelOutputs.add(x0);

        int order = config.lowerOrderFinal() ? Math.min(config.solverOrder(), numInferenceSteps() - stepIndex) : config.solverOrder();
        thisOrder = Math.min(order, lowerOrderNums + 1);
        if (lastSample != null) lastSample.free();
        lastSample = current;
        Tensor prev = predict(stepIndex, thisOrder);
        if (lowerOrderNums < config.solverOrder()) lowerOrderNums++;
        nextStep = stepIndex + 1;
        return prev;
    }

    /** The history entry {@code back} steps before the newest (0 = newest). */
    private Tensor history(int back) { return modelOutputs.get(modelOutputs.size() - 1 - back); }

    /** The {@code n} entries before the newest, newest first. */
    private Tensor[] earlier(int n) {
        Tensor[] m = new Tensor[n];
        for (int i = 0; i < n; i++) m[i] = history(i + 1);
        return m;
    }

    /**
     * UniP from {@link #lastSample} at σ[k] to σ[k+1]:
     * {@code x_t = (σ_t/σ_s0)·x − α_t·(e^{−h}−1)·m0 − α_t·B(h)·Σ ρ_k·(m_k − m0)/r_k}.
     */
    private Tensor predict(int k, int order) {
        double[] previous = new double[order - 1];
        for (int i = 1; i < order; i++) previous[i - 1] = sigmas[k - i];
        Bh c = Bh.of(config.solverType(), sigmas[k + 1], sigmas[k], previous);
        double[] rho = switch (order) {
            case 1 -> new double[0];
            case 2 -> new double[] {0.5}; // the reference's closed form for order 2
            default -> solve(c.leading(order - 1), Arrays.copyOf(c.b, order - 1));
        };
        return c.apply(lastSample, history(0), earlier(order - 1), rho, null, 0);
    }

    /**
     * UniC at σ[k] from the previous step's start σ[k−1], using the new data prediction {@code x0}:
     * the predictor's formula with an extra term {@code ρ_last·(x0 − m0)}; ρ solves the full B(h) system.
     */
    private Tensor correct(Tensor x0, int k) {
        int order = thisOrder;
        double[] previous = new double[order - 1];
        for (int i = 1; i < order; i++) previous[i - 1] = sigmas[k - (i + 1)];
        Bh c = Bh.of(config.solverType(), sigmas[k], sigmas[k - 1], previous);
        double[] rho = order == 1 ? new double[] {0.5} : solve(c.leading(order), c.b);
        return c.apply(lastSample, history(0), earlier(order - 1), Arrays.copyOf(rho, order - 1), x0, rho[order - 1]);
    }

    /** Half-log-SNR of flow matching, {@code log(α) − log(σ)} with {@code α = 1 − σ}. */
    private static double lambda(double sigma) { return Math.log(1 - sigma) - Math.log(sigma); }

    /**
     * The scalars of one UniP/UniC update from σ_s0 to σ_t: {@code r_k = (λ_k − λ_s0)/h} for the earlier
     * sigmas (then 1), {@code hh = −h}, {@code e^{hh} − 1}, B(h), and the right-hand side
     * {@code b_i = i!·φ_{i+1}(hh)/B(h)} of the system {@code R·ρ = b} with {@code R_ij = r_j^i}.
     */
    private record Bh(double ratio, double alphaT, double hPhi1, double bH, double[] rks, double[] b) {
        static Bh of(SolverType type, double sigmaT, double sigmaS0, double[] previousSigmas) {
            double lambdaS0 = lambda(sigmaS0);
            double h = lambda(sigmaT) - lambdaS0;
            int order = previousSigmas.length + 1;
            double[] rks = new double[order];
            for (int i = 0; i < previousSigmas.length; i++) rks[i] = (lambda(previousSigmas[i]) - lambdaS0) / h;
            rks[order - 1] = 1;
            double hh = -h; // data prediction
            double hPhi1 = Math.expm1(hh);
            double hPhiK = hPhi1 / hh - 1;
            double bH = type == SolverType.BH1 ? hh : Math.expm1(hh);
            double[] b = new double[order];
            double factorial = 1;
            for (int i = 1; i <= order; i++) {
                b[i - 1] = hPhiK * factorial / bH;
                factorial *= i + 1;
                hPhiK = hPhiK / hh - 1 / factorial;
            }
            return new Bh(sigmaT / sigmaS0, 1 - sigmaT, hPhi1, bH, rks, b);
        }

        /** The top-left {@code n×n} block of {@code R}, {@code R_ij = r_j^i}. */
        double[][] leading(int n) {
            double[][] r = new double[n][n];
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) r[i][j] = Math.pow(rks[j], i);
            return r;
        }

        /**
         * {@code ratio·x − α_t·hPhi1·m0 − α_t·B(h)·(Σ_k ρ_k·(m_k − m0)/r_k + ρ_t·(m_t − m0))}, folded into one
         * coefficient per tensor; {@code mT} is null (and ρ_t unused) for the predictor.
         */
        Tensor apply(Tensor x, Tensor m0, Tensor[] mPrev, double[] rhoPrev, Tensor mT, double rhoT) {
            int n = mPrev.length;
            double[] coef = new double[n + (mT == null ? 2 : 3)];
            Tensor[] terms = new Tensor[coef.length];
            coef[0] = ratio;
            terms[0] = x;
            double fold = 0;
            for (int k = 0; k < n; k++) {
                double w = rhoPrev[k] / rks[k];
                coef[2 + k] = -alphaT * bH * w;
                terms[2 + k] = mPrev[k];
                fold += w;
            }
            if (mT != null) {
                coef[2 + n] = -alphaT * bH * rhoT;
                terms[2 + n] = mT;
                fold += rhoT;
            }
            // Without correction terms there is no B(h) term at all (bh1's B(h) is infinite at a final σ of 0).
            coef[1] = -alphaT * hPhi1 + (coef.length > 2 ? alphaT * bH * fold : 0);
            terms[1] = m0;
            return Schedules.combine(coef, terms);
        }
    }

    /** Solves a small dense system by Gaussian elimination with partial pivoting. */
    static double[] solve(double[][] a, double[] rhs) {
        int n = rhs.length;
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) m[i] = Arrays.copyOf(a[i], n);
        double[] x = rhs.clone();
        for (int col = 0; col < n; col++) {
            int p = col;
            for (int r = col + 1; r < n; r++) if (Math.abs(m[r][col]) > Math.abs(m[p][col])) p = r;
            double[] tr = m[p]; m[p] = m[col]; m[col] = tr;
            double tx = x[p]; x[p] = x[col]; x[col] = tx;
            if (m[col][col] == 0) throw new ReelException("UniPCMultistepScheduler: singular coefficient system (repeated sigmas?)");
            for (int r = col + 1; r < n; r++) {
                double f = m[r][col] / m[col][col];
                for (int j = col; j < n; j++) m[r][j] -= f * m[col][j];
                x[r] -= f * x[col];
            }
        }
        for (int r = n - 1; r >= 0; r--) {
            double v = x[r];
            for (int j = r + 1; j < n; j++) v -= m[r][j] * x[j];
            x[r] = v / m[r][r];
        }
        return x;
    }
}
