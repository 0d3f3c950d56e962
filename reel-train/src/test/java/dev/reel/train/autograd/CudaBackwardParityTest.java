package dev.reel.train.autograd;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backend.Unary;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The tape's gradients on CUDA against the CPU's, for the DiT's ops and the VAE's convolutions: fp32 within 1e-5, bf16 within 2e-2 (relative L2). */
@Tag("gpu")
class CudaBackwardParityTest {
    static Backend gpu;
    private static final Backend CPU = Backends.cpu();

    @BeforeAll
    static void open() {
        String why = Backends.unavailableReason(Device.Type.CUDA, dev.reel.core.SystemOptions.defaults());
        Assumptions.assumeTrue(why == null, () -> "no CUDA device: " + why);
        gpu = Backends.of(Device.cuda(0));
    }

    record Case(String name, Function<Tensor[], Tensor> f, int[][] shapes) {}

    private static List<Case> cases() {
        Tensor cos = GradCheck.randn(new Random(1), 6, 4), sin = GradCheck.randn(new Random(2), 6, 4);
        return List.of(
                new Case("linear", x -> x[0].backend().linear(x[0], x[1], x[2]), new int[][] {{2, 6, 16}, {24, 16}, {24}}),
                new Case("matmul", x -> x[0].matmul(x[1].transpose(-1, -2)), new int[][] {{2, 5, 8}, {7, 8}}),
                new Case("layerNorm+modulate", x -> x[0].backend().modulate(x[0].backend().layerNorm(x[0], null, null, 1e-6f), x[1], x[2]),
                        new int[][] {{2, 6, 16}, {2, 1, 16}, {2, 1, 16}}),
                new Case("rmsNorm", x -> x[0].backend().rmsNorm(x[0], x[1], 1e-6f), new int[][] {{2, 6, 16}, {16}}),
                new Case("gatedResidual", x -> x[0].backend().gatedResidual(x[0], x[1], x[2]), new int[][] {{2, 6, 16}, {2, 6, 16}, {2, 1, 16}}),
                new Case("rope", x -> x[0].backend().rope(x[0], x[0].backend().copyFrom(cos), x[0].backend().copyFrom(sin)), new int[][] {{1, 6, 2, 8}}),
                new Case("attention", x -> x[0].backend().attention(x[0], x[1], x[2], null, 0.35f), new int[][] {{1, 2, 12, 8}, {1, 2, 9, 8}, {1, 2, 9, 8}}),
                new Case("gelu-tanh, silu", x -> x[0].backend().unary(Unary.SILU, x[0].backend().unary(Unary.GELU_TANH, x[0])), new int[][] {{4, 16}}),
                new Case("softmax", x -> x[0].backend().softmax(x[0]), new int[][] {{3, 16}}),
                new Case("conv3d patchify", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[3]), new int[][] {{1, 4, 2, 4, 4}, {8, 4, 1, 2, 2}, {8}}),
                // the VAE's convolutions: in bf16 their gradients run on cuDNN's backward-data and backward-filter engines
                new Case("conv3d 3x3x3, padded", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 1, 1}, new int[] {1, 1, 1}),
                        new int[][] {{2, 8, 3, 6, 6}, {16, 8, 3, 3, 3}, {16}}),
                new Case("conv3d stride 2 (a downsampler)", x -> x[0].backend().conv3d(x[0], x[1], x[2], new int[] {1, 2, 2}, new int[] {0, 1, 1}),
                        new int[][] {{2, 8, 1, 8, 8}, {8, 8, 1, 3, 3}, {8}}),
                new Case("concat, sum, mean", x -> x[0].backend().mean(x[0].backend().concat(1, x[0], x[1]), 1, true), new int[][] {{2, 3, 4}, {2, 5, 4}}));
    }

    @Test void fp32() { check(DType.F32, 1e-5); }

    @Test void bf16() { check(DType.BF16, 2e-2); }

    private void check(DType dtype, double tol) {
        Random rnd = new Random(11);
        for (Case c : cases()) {
            Tensor[] host = new Tensor[c.shapes().length];
            for (int i = 0; i < host.length; i++) host[i] = GradCheck.randn(rnd, c.shapes()[i]);
            float[][] ref = gradients(c, host, CPU, DType.F32), got = gradients(c, host, gpu, dtype);
            for (int i = 0; i < host.length; i++) {
                double err = Compare.relErr(got[i], ref[i]);
                System.out.printf("cuda backward %s %-20s input %d: rel err %.2e%n", dtype, c.name(), i, err);
                assertTrue(err <= tol, c.name() + " input " + i + " (" + dtype + "): " + err + " > " + tol);
            }
        }
    }

    private static float[][] gradients(Case c, Tensor[] host, Backend b, DType dtype) {
        try (Scope scope = Scope.open()) {
            List<Tensor> leaves = new ArrayList<>();
            for (Tensor h : host) leaves.add(b.cast(b.copyFrom(h), dtype));
            Gradients grads = new Gradients();
            try (Tape tape = Tape.open(grads, leaves)) {
                Tensor y = c.f().apply(leaves.toArray(new Tensor[0]));
                Tensor sq = y.backend().cast(y, DType.F32).reshape(-1);
                tape.backward(sq.backend().sum(sq.backend().unary(Unary.SQUARE, sq), 0, true));
            }
            float[][] out = new float[host.length][];
            for (int i = 0; i < host.length; i++) out[i] = grads.of(leaves.get(i)).toFloatArray();
            grads.clear();
            return out;
        }
    }

}
