package dev.reel.models.clip;

import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;

/** {@code mlp}: {@code fc2(act(fc1(x)))}. */
public final class ClipMlp extends Module {
    /** {@code fc1}: hidden → intermediate. */
    public final Linear fc1;
    /** {@code fc2}: intermediate → hidden. */
    public final Linear fc2;

    private final ClipActivation act;

    public ClipMlp(int hidden, int intermediate, ClipActivation act) {
        this.act = act;
        this.fc1 = child("fc1", new Linear(hidden, intermediate, true));
        this.fc2 = child("fc2", new Linear(intermediate, hidden, true));
    }

    public Tensor forward(Tensor x) {
        try (Scope scope = Scope.open()) {
            return scope.keep(fc2.forward(act.apply(fc1.forward(x))));
        }
    }
}
