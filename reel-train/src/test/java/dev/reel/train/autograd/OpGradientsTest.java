package dev.reel.train.autograd;

import static dev.reel.train.autograd.GradCheck.CPU;
import static dev.reel.train.autograd.GradCheck.check;
import static dev.reel.train.autograd.GradCheck.positive;
import static dev.reel.train.autograd.GradCheck.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backend.Unary;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Every recorded op's backward against finite differences, with strided (transposed, sliced) and broadcast inputs. */
class OpGradientsTest {
    private static final double TOL = 2e-3;
    private final Random rnd = new Random(7);

    @Test void broadcastingElementwise() {
        check("add broadcast", TOL, x -> x[0].add(x[1].expand(3, 4)), randn(rnd, 3, 4), randn(rnd, 1, 4));
        check("sub transposed", TOL, x -> x[0].transpose(0, 1).sub(x[1]), randn(rnd, 4, 3), randn(rnd, 3, 1));
        check("mul broadcast", TOL, x -> x[0].mul(x[1]), randn(rnd, 2, 3, 4), randn(rnd, 4));
        check("div", TOL, x -> x[0].div(x[1].narrow(1, 1, 3)), randn(rnd, 2, 3), positive(rnd, 2, 5));
        check("scale addScalar", TOL, x -> x[0].mul(1.7f).add(0.3f), randn(rnd, 5));
    }

    @Test void pointwiseFunctions() {
        for (Unary op : new Unary[] {Unary.SILU, Unary.GELU_TANH, Unary.EXP, Unary.NEG, Unary.TANH, Unary.SIGMOID,
                Unary.SIN, Unary.COS, Unary.SQUARE, Unary.ABS, Unary.RELU}) {
            check(op.name(), TOL, x -> x[0].backend().unary(op, x[0].transpose(0, 1)), awayFromZero(randn(rnd, 3, 4)));
        }
        check("SQRT", TOL, x -> x[0].backend().unary(Unary.SQRT, x[0]), positive(rnd, 6));
        check("RSQRT", TOL, x -> x[0].backend().unary(Unary.RSQRT, x[0]), positive(rnd, 6));
        check("clamp", TOL, x -> x[0].backend().clamp(x[0], -0.5f, 0.5f), awayFrom(randn(rnd, 12), 0.5f));
    }

    @Test void linearAlgebra() {
        check("matmul batched broadcast", TOL, x -> x[0].matmul(x[1].transpose(-1, -2)), randn(rnd, 2, 3, 4), randn(rnd, 5, 4));
        check("linear", TOL, x -> x[0].backend().linear(x[0].transpose(0, 1), x[1], x[2]), randn(rnd, 3, 2, 4), randn(rnd, 5, 4), randn(rnd, 5));
        check("linearGeluTanh", TOL, x -> x[0].backend().linearGeluTanh(x[0], x[1], x[2]), randn(rnd, 3, 4), randn(rnd, 5, 4), randn(rnd, 5));
        check("conv3d stride2 pad1", TOL, x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[] {1, 1, 0}),
                randn(rnd, 2, 2, 3, 4, 5), randn(rnd, 3, 2, 3, 3, 2), randn(rnd, 3));
        check("conv3d patchify", TOL, x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[] {0, 0, 0}),
                randn(rnd, 1, 3, 2, 4, 4), randn(rnd, 4, 3, 1, 2, 2), randn(rnd, 4));
        // stride 1 takes the two-convolution path: "same" padding, the causal convs' explicit (zero) padding, a time-only kernel
        check("conv3d same", TOL, x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                randn(rnd, 2, 2, 3, 4, 5), randn(rnd, 3, 2, 3, 3, 3), randn(rnd, 3));
        check("conv3d unpadded", TOL, x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 1, 1}, new int[] {0, 0, 0}),
                randn(rnd, 2, 3, 4, 4, 5), randn(rnd, 2, 3, 3, 2, 3), randn(rnd, 2));
        check("conv3d time kernel", TOL, x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 1, 1}, new int[] {0, 0, 0}),
                randn(rnd, 1, 2, 5, 3, 3), randn(rnd, 4, 2, 3, 1, 1), randn(rnd, 4));
        check("conv2d", TOL, x -> x[0].backend().conv2d(x[0], x[1], x[2], new int[] {1, 1}, new int[] {1, 1}),
                randn(rnd, 1, 2, 4, 4), randn(rnd, 3, 2, 3, 3), randn(rnd, 3));
    }

    @Test void normalisations() {
        check("layerNorm affine", TOL, x -> x[0].backend().layerNorm(x[0].transpose(0, 1), x[1], x[2], 1e-6f), randn(rnd, 6, 2), randn(rnd, 6), randn(rnd, 6));
        check("layerNorm plain", TOL, x -> x[0].backend().layerNorm(x[0], null, null, 1e-6f), randn(rnd, 3, 8));
        check("rmsNorm", TOL, x -> x[0].backend().rmsNorm(x[0], x[1], 1e-6f), randn(rnd, 3, 6), randn(rnd, 6));
        check("groupNorm", TOL, x -> x[0].backend().groupNorm(x[0], 2, x[1], x[2], 1e-6f), randn(rnd, 2, 4, 3, 2), randn(rnd, 4), randn(rnd, 4));
        check("softmax", TOL, x -> x[0].backend().softmax(x[0].transpose(0, 1)), randn(rnd, 5, 3));
    }

    @Test void attention() {
        check("attention self", TOL, x -> x[0].backend().attention(x[0], x[1], x[2], null, 0.5f),
                randn(rnd, 1, 2, 5, 4), randn(rnd, 1, 2, 5, 4), randn(rnd, 1, 2, 5, 3));
        check("attention cross transposed", TOL, x -> x[0].backend().attention(x[0].transpose(1, 2), x[1].transpose(1, 2), x[2].transpose(1, 2), null, 0.4f),
                randn(rnd, 2, 3, 2, 4), randn(rnd, 2, 6, 2, 4), randn(rnd, 2, 6, 2, 4));
        // UMT5's bias: a learned per-head table [1, H, L, L] plus a constant padding mask [B, 1, 1, L], no scaling
        Tensor mask = CPU.fromFloats(new float[] {0, 0, 0, 0, -1e9f, 0, 0, 0, 0, 0}, DType.F32, 2, 1, 1, 5);
        check("attention learned bias", TOL, x -> x[0].backend().attention(x[0], x[1], x[2], x[3].add(mask), 1f),
                randn(rnd, 2, 2, 5, 4), randn(rnd, 2, 2, 5, 4), randn(rnd, 2, 2, 5, 3), randn(rnd, 1, 2, 5, 5));
    }

    @Test void attentionBlocksAgreeWithOneBlock() {
        Tensor q = randn(rnd, 1, 2, 9, 4), k = randn(rnd, 1, 2, 7, 4), v = randn(rnd, 1, 2, 7, 4), g = randn(rnd, 1, 2, 9, 4);
        Tensor o = CPU.attention(q, k, v, null, 0.5f);
        boolean[] all = {true, true, true, false};
        Tensor[] one = AttentionGrad.backward(CPU, q, k, v, null, 0.5f, o, null, g, all, 1L << 20);
        Tensor[] blocks = AttentionGrad.backward(CPU, q, k, v, null, 0.5f, o, null, g, all, 2 * 2 * 7);   // 2 queries per block
        for (int i = 0; i < 3; i++) assertArrayEquals(one[i].toFloatArray(), blocks[i].toFloatArray(), 1e-5f);
    }

    @Test void reductions() {
        check("sum", TOL, x -> x[0].backend().sum(x[0], 1, false), randn(rnd, 3, 4));
        check("mean keepDim", TOL, x -> x[0].backend().mean(x[0].transpose(0, 1), 1, true), randn(rnd, 3, 4));
        check("max", TOL, x -> x[0].backend().max(x[0], 0, false), randn(rnd, 3, 4));
        check("norm", TOL, x -> x[0].backend().norm(x[0], 1, true), randn(rnd, 3, 4));
    }

    @Test void structure() {
        check("concat", TOL, x -> x[0].backend().concat(1, x[0], x[1].transpose(0, 1)), randn(rnd, 2, 3), randn(rnd, 4, 2));
        check("pad and crop", TOL, x -> x[0].backend().pad(x[0], new int[] {1, -1, 2, 0}, 0f), randn(rnd, 3, 4));
        check("embedding repeated ids", TOL, x -> x[0].backend().embedding(x[0], new int[] {2, 0, 2}, 3), randn(rnd, 4, 3));
        check("embedding every id", TOL, x -> x[0].backend().embedding(x[0], new int[] {3, 1, 0, 2, 1, 3}, 2, 3), randn(rnd, 4, 3));
        check("upsampleNearest2x", TOL, x -> x[0].backend().upsampleNearest2x(x[0]), randn(rnd, 1, 2, 3, 2));
        check("views", TOL, x -> x[0].reshape(2, 3, 2).permute(2, 0, 1).narrow(2, 1, 2).contiguous().mul(x[0].select(0, 1).reshape(2, 1, 3).narrow(2, 0, 2)),
                randn(rnd, 2, 6));
    }

    @Test void fusedModelOps() {
        check("modulate", TOL, x -> x[0].backend().modulate(x[0], x[1], x[2]), randn(rnd, 2, 3, 4), randn(rnd, 2, 1, 4), randn(rnd, 2, 1, 4));
        check("gatedResidual", TOL, x -> x[0].backend().gatedResidual(x[0], x[1], x[2]), randn(rnd, 2, 3, 4), randn(rnd, 2, 3, 4), randn(rnd, 2, 1, 4));
        Tensor cos = randn(rnd, 3, 2), sin = randn(rnd, 3, 2);
        check("rope", TOL, x -> x[0].backend().rope(x[0], cos, sin), randn(rnd, 1, 3, 2, 4));
    }

    @Test void inPlaceWritesOnTrackedTensorsAreRefused() {
        Tensor w = randn(rnd, 3);
        try (Scope scope = Scope.open(); Tape tape = Tape.open(new Gradients(), List.of(w))) {
            Tensor y = w.mul(2f);
            assertThrows(ReelException.class, () -> y.backend().copyInto(y, CPU.zeros(DType.F32, 3)));
        }
    }

    @Test void noTapeNoRecording() {
        Tensor w = randn(rnd, 3);
        try (Scope scope = Scope.open()) {
            Tensor y = w.mul(2f);
            org.junit.jupiter.api.Assertions.assertSame(CPU, y.backend());
        }
    }

    private static Tensor awayFromZero(Tensor t) { return awayFrom(t, 0f); }

    /** Moves values within 0.1 of ±{@code kink} away from it, so ±h never crosses a kink. */
    private static Tensor awayFrom(Tensor t, float kink) {
        float[] v = t.toFloatArray();
        for (int i = 0; i < v.length; i++) {
            for (float k : new float[] {kink, -kink}) {
                if (Math.abs(v[i] - k) < 0.1f) v[i] = k + (v[i] >= k ? 0.1f : -0.1f);
            }
        }
        return CPU.fromFloats(v, DType.F32, t.shape());
    }
}
