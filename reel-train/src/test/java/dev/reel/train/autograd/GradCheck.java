package dev.reel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

/**
 * Checks a function's tape gradients against central finite differences. The probe loss is
 * {@code L = Σ f(x)·r} for a fixed random r, summed in double on the host; each input element is moved by ±h.
 */
final class GradCheck {
    static final Backend CPU = Backends.cpu();

    private GradCheck() {}

    static Tensor randn(Random rnd, int... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextGaussian();
        return CPU.fromFloats(v, DType.F32, shape);
    }

    static Tensor positive(Random rnd, int... shape) {
        float[] v = new float[(int) Tensor.numel(shape)];
        for (int i = 0; i < v.length; i++) v[i] = 0.5f + 2f * rnd.nextFloat();
        return CPU.fromFloats(v, DType.F32, shape);
    }

    /** The largest |tape − finite difference| over all inputs, relative to the largest finite-difference value. */
    static double relativeError(Function<Tensor[], Tensor> f, double h, Tensor... inputs) {
        Random rnd = new Random(99);
        float[][] values = new float[inputs.length][];
        for (int i = 0; i < inputs.length; i++) values[i] = inputs[i].toFloatArray();
        int[][] shapes = new int[inputs.length][];
        for (int i = 0; i < inputs.length; i++) shapes[i] = inputs[i].shape();
        Tensor probeShape = f.apply(build(values, shapes));
        float[] r = new float[(int) probeShape.numel()];
        for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
        Tensor probe = CPU.fromFloats(r, DType.F32, probeShape.shape());

        // tape gradients
        Tensor[] leaves = build(values, shapes);
        Gradients grads = new Gradients();
        float[][] analytic = new float[inputs.length][];
        try (Scope scope = Scope.open(); Tape tape = Tape.open(grads, List.of(leaves))) {
            Tensor y = f.apply(leaves);
            Tensor loss = y.mul(probe).reshape(-1);
            loss = loss.backend().sum(loss, 0, true);
            tape.backward(loss);
            for (int i = 0; i < leaves.length; i++) {
                Tensor g = grads.of(leaves[i]);
                analytic[i] = g == null ? new float[values[i].length] : g.toFloatArray();
            }
        }
        grads.clear();

        double maxErr = 0, maxRef = 0;
        for (int i = 0; i < inputs.length; i++) {
            for (int j = 0; j < values[i].length; j++) {
                float keep = values[i][j];
                values[i][j] = (float) (keep + h);
                double up = probeLoss(f, values, shapes, r);
                values[i][j] = (float) (keep - h);
                double down = probeLoss(f, values, shapes, r);
                values[i][j] = keep;
                double fd = (up - down) / (2 * h);
                maxErr = Math.max(maxErr, Math.abs(fd - analytic[i][j]));
                maxRef = Math.max(maxRef, Math.abs(fd));
            }
        }
        return maxErr / Math.max(maxRef, 1e-12);
    }

    static void check(String name, double tol, Function<Tensor[], Tensor> f, Tensor... inputs) {
        double err = relativeError(f, 1e-2, inputs);
        System.out.printf("gradcheck %-28s rel err %.2e%n", name, err);
        assertTrue(err <= tol, name + ": relative error " + err + " > " + tol);
    }

    private static double probeLoss(Function<Tensor[], Tensor> f, float[][] values, int[][] shapes, float[] r) {
        try (Scope scope = Scope.open()) {
            float[] y = f.apply(build(values, shapes)).toFloatArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
            return s;
        }
    }

    private static Tensor[] build(float[][] values, int[][] shapes) {
        Tensor[] t = new Tensor[values.length];
        for (int i = 0; i < t.length; i++) t[i] = CPU.fromFloats(values[i], DType.F32, shapes[i]);
        return t;
    }
}
