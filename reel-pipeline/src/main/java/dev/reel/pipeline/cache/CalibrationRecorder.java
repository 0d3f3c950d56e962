package dev.reel.pipeline.cache;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.apache.commons.math3.fitting.PolynomialCurveFitter;
import org.apache.commons.math3.fitting.WeightedObservedPoints;

/**
 * A strategy that computes every pass and measures what the caches need, for {@code reel calibrate}: per branch and
 * step, TeaCache's relative L1 distances of {@code e}, {@code e0} and of the model's output to the previous step,
 * and MagCache's magnitude ratio of consecutive block-stack residuals. {@link #fit} turns them into a
 * {@link CacheCalibration}.
 */
public final class CalibrationRecorder implements CacheStrategy {
    /** Degree of TeaCache's rescaling polynomial, as published. */
    static final int DEGREE = 4;

    private final Map<Branch, List<double[]>> tea = new EnumMap<>(Branch.class);
    private final Map<Branch, List<Double>> mag = new EnumMap<>(Branch.class);
    private final Map<Branch, double[]> pending = new EnumMap<>(Branch.class);

    @Override public Tensor blocks(Pass pass, Tensor x, Tensor temb, Tensor timestepProj, UnaryOperator<Tensor> stack, CacheBuffers buffers) {
        Branch br = pass.branch();
        Tensor prevE = buffers.get(br, "e"), prevE0 = buffers.get(br, "e0"), prevResidual = buffers.get(br, "residual");
        pending.put(br, prevE == null ? null : new double[] {CacheMath.relL1(temb, prevE), CacheMath.relL1(timestepProj, prevE0)});
        buffers.put(br, "e", CacheBuffers.copy(temb).to(DType.F32));
        buffers.put(br, "e0", CacheBuffers.copy(timestepProj).to(DType.F32));
        Tensor out = stack.apply(x);
        Tensor residual = out.sub(x);
        List<Double> ratios = mag.computeIfAbsent(br, k -> new ArrayList<>());
        ratios.add(prevResidual == null ? 1.0 : CacheMath.normRatio(residual, prevResidual));
        buffers.put(br, "residual", residual);
        return out;
    }

    @Override public Tensor forward(Pass pass, Tensor latents, Supplier<Tensor> compute, CacheBuffers buffers) {
        Branch br = pass.branch();
        Tensor out = compute.get();
        Tensor prev = buffers.get(br, "output");
        double[] in = pending.get(br);
        if (prev != null && in != null) {
            tea.computeIfAbsent(br, k -> new ArrayList<>()).add(new double[] {pass.step(), in[0], in[1], CacheMath.relL1(out, prev)});
        }
        buffers.put(br, "output", CacheBuffers.copy(out));
        return out;
    }

    /**
     * Fits the measurements: TeaCache's polynomials by least squares over the passes each mode may skip (from step
     * 1 for {@code e}, from step 5 for {@code e0}, both branches), MagCache's ratios as measured.
     *
     * @param model what was calibrated, for the file
     * @param steps steps of the run
     */
    public CacheCalibration fit(String model, int steps) {
        List<double[]> all = new ArrayList<>();
        for (List<double[]> l : tea.values()) all.addAll(l);
        if (all.size() <= DEGREE) {
            throw new dev.reel.core.ReelException("calibration needs at least " + (DEGREE + 2) + " denoising steps to fit TeaCache's "
                    + DEGREE + "th-order polynomial, got " + steps);
        }
        double[] e = polyfit(all, 1, 1);
        double[] e0 = polyfit(all, 2, countFrom(all, 5) > DEGREE ? 5 : 1);
        double[][] samples = new double[all.size()][];
        for (int i = 0; i < all.size(); i++) samples[i] = new double[] {all.get(i)[1], all.get(i)[2], all.get(i)[3]};
        var teaFit = new CacheCalibration.TeaCacheFit(e, e0, samples);
        double[] cond = toArray(mag.get(Branch.COND));
        double[] uncond = mag.containsKey(Branch.UNCOND) ? toArray(mag.get(Branch.UNCOND)) : cond.clone();
        return new CacheCalibration(model, steps, teaFit, new CacheCalibration.MagCacheFit(cond, uncond));
    }

    private static int countFrom(List<double[]> samples, int firstStep) {
        int n = 0;
        for (double[] s : samples) if (s[0] >= firstStep) n++;
        return n;
    }

    /** Least-squares polynomial of output distance on column {@code column}, highest order first (numpy's polyfit). */
    private static double[] polyfit(List<double[]> samples, int column, int firstStep) {
        WeightedObservedPoints points = new WeightedObservedPoints();
        for (double[] s : samples) if (s[0] >= firstStep) points.add(s[column], s[3]);
        double[] lowFirst = PolynomialCurveFitter.create(DEGREE).fit(points.toList());
        double[] highFirst = new double[lowFirst.length];
        for (int i = 0; i < lowFirst.length; i++) highFirst[i] = lowFirst[lowFirst.length - 1 - i];
        return highFirst;
    }

    private static double[] toArray(List<Double> l) {
        double[] a = new double[l.size()];
        for (int i = 0; i < a.length; i++) a[i] = l.get(i);
        return a;
    }
}
