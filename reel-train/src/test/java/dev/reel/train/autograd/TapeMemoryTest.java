package dev.reel.train.autograd;

import static dev.reel.train.autograd.GradCheck.randn;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The tape's memory is deterministic: what it saved is freed by backward, or by close when no backward ran. */
class TapeMemoryTest {
    private final Random rnd = new Random(3);

    @Test void backwardFreesSavedIntermediatesButNotLeavesOrInputs() {
        Tensor w = randn(rnd, 4), x = randn(rnd, 4);
        Gradients grads = new Gradients();
        Tensor h;
        try (Tape tape = Tape.open(grads, List.of(w))) {
            Tensor y;
            try (Scope inner = Scope.open()) {   // a model's own scope: h outlives it only because the tape saved it
                h = w.mul(x);
                y = inner.keep(h.mul(h));
            }
            assertFalse(h.storage().isFreed(), "saved by the tape, so the model's scope does not free it");
            Tensor loss = y.backend().sum(y, 0, true);
            tape.backward(loss);
            assertTrue(h.storage().isFreed(), "freed by backward once its last user ran");
        }
        assertFalse(w.storage().isFreed());
        assertFalse(x.storage().isFreed());
        // d/dw Σ (w·x)² = 2·w·x²
        float[] wv = w.toFloatArray(), xv = x.toFloatArray(), g = grads.of(w).toFloatArray();
        float[] expect = new float[4];
        for (int i = 0; i < 4; i++) expect[i] = 2 * wv[i] * xv[i] * xv[i];
        assertArrayEquals(expect, g, 1e-5f);
    }

    @Test void closeWithoutBackwardFreesWhatTheTapeKept() {
        Tensor w = randn(rnd, 4);
        Tensor h;
        try (Tape tape = Tape.open(new Gradients(), List.of(w))) {
            try (Scope inner = Scope.open()) {
                h = w.mul(3f);
                h.backend().unary(dev.reel.core.Backend.Unary.TANH, h);   // saves h
            }
        }
        assertTrue(h.storage().isFreed());
        assertFalse(w.storage().isFreed());
    }
}
