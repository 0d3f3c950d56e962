package dev.reel.train.trainer;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.train.autograd.Gradients;
import dev.reel.train.autograd.Tape;
import dev.reel.train.optim.TrainableParameter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The text encoder trained with the transformer: the tape's gradient of every UMT5 weight (embedding, relative
 * position tables, q/k/v/o, gated feed-forward, norms) through {@link TrainedTextEncoder#encode} — the pipeline's
 * text encoding, padding zeroed — against central finite differences of the fixture encoder in fp32.
 */
class TextEncoderGradientsTest {
    private static final Backend CPU = Backends.cpu();
    private static final List<String> CAPTIONS = List.of("a red fox runs through the snow at dawn", "", "a blue circle moves up");
    private static final int LENGTH = 12;

    @Test void everyWeightsGradientMatchesFiniteDifferences() {
        TrainedTextEncoder te = TrainedTextEncoder.load(TestData.path("wan21-tiny/pipeline"), DType.F32, LENGTH, CPU);
        List<TrainableParameter> params = te.parameters();
        Random rnd = new Random(3);
        float[] r;
        try (Scope scope = Scope.open()) {
            Tensor shape = te.encode(CAPTIONS);
            r = new float[Math.toIntExact(shape.numel())];
        }
        for (int i = 0; i < r.length; i++) r[i] = (float) rnd.nextGaussian();
        Tensor probe = CPU.fromFloats(r, DType.F32, CAPTIONS.size(), LENGTH, r.length / (CAPTIONS.size() * LENGTH));

        List<float[]> analytic = new ArrayList<>();
        Gradients grads = new Gradients();
        try (Scope scope = Scope.open()) {
            List<Tensor> leaves = params.stream().map(TrainableParameter::value).toList();
            try (Tape tape = Tape.open(grads, leaves)) {
                Tensor loss = te.encode(CAPTIONS).mul(probe).reshape(-1);
                tape.backward(loss.backend().sum(loss, 0, true));
            }
            for (Tensor leaf : leaves) {
                Tensor g = grads.of(leaf);
                analytic.add(g == null ? new float[Math.toIntExact(leaf.numel())] : g.toFloatArray());
            }
        } finally {
            grads.clear();
        }

        double h = 1e-2, worst = 0, largest = 0;
        String worstAt = "";
        int checked = 0;
        for (int p = 0; p < params.size(); p++) {
            Tensor value = params.get(p).value();
            float[] v = value.toFloatArray(), a = analytic.get(p);
            for (int j : picks(a, rnd)) {
                float keep = v[j];
                v[j] = (float) (keep + h);
                double up = probeLoss(te, value, v, r);
                v[j] = (float) (keep - h);
                double down = probeLoss(te, value, v, r);
                v[j] = keep;
                CPU.copyInto(value, CPU.fromFloats(v, DType.F32, value.shape()));
                double fd = (up - down) / (2 * h), err = Math.abs(fd - a[j]);
                largest = Math.max(largest, Math.abs(fd));
                if (err > worst) { worst = err; worstAt = params.get(p).name() + "[" + j + "]"; }
                checked++;
            }
        }
        double rel = worst / largest;
        System.out.printf("text encoder gradients: %d parameters, %d entries, worst |tape − fd| %.2e (%.2e of the largest) at %s%n",
                params.size(), checked, worst, rel, worstAt);
        assertTrue(params.stream().anyMatch(t -> t.name().endsWith("relative_attention_bias.weight")), "the position tables are trained");
        assertTrue(rel <= 2e-3, "worst gradient error " + rel + " at " + worstAt);
    }

    /** The 3 entries with the largest gradient and 3 random ones (an embedding's unused rows have none). */
    private static int[] picks(float[] a, Random rnd) {
        Integer[] idx = new Integer[a.length];
        for (int i = 0; i < a.length; i++) idx[i] = i;
        java.util.Arrays.sort(idx, (x, y) -> Float.compare(Math.abs(a[y]), Math.abs(a[x])));
        int top = Math.min(3, a.length);
        int[] out = new int[top + 3];
        for (int i = 0; i < top; i++) out[i] = idx[i];
        for (int i = top; i < out.length; i++) out[i] = rnd.nextInt(a.length);
        return java.util.Arrays.copyOf(out, top + Math.min(3, a.length));
    }

    private static double probeLoss(TrainedTextEncoder te, Tensor value, float[] v, float[] r) {
        try (Scope scope = Scope.open()) {
            CPU.copyInto(value, CPU.fromFloats(v, DType.F32, value.shape()));
            float[] y = te.encode(CAPTIONS).toFloatArray();
            double s = 0;
            for (int i = 0; i < y.length; i++) s += (double) y[i] * r[i];
            return s;
        }
    }
}
