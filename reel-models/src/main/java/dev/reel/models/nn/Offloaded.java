package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.function.Supplier;

/**
 * A module whose weights live in host memory between uses and on its device only while {@link #use} runs
 * (memory levels 1 and 2: the text encoder, the VAE). Where the device is the CPU, or offloading is off, the
 * weights simply stay where they are. Copies are plain (pageable) transfers: the module is moved once per use,
 * so their cost is a few seconds per job at most for UMT5-XXL's 11 GB, far less than encoding on the CPU.
 */
public final class Offloaded {
    private final Module module;
    private final Backend device;
    private final boolean offload;

    private Offloaded(Module module, Backend device, boolean offload) {
        this.module = module;
        this.device = device;
        this.offload = offload;
        if (offload) moveTo(module, Backends.cpu());
    }

    /**
     * Takes charge of {@code module}, loaded on one device (that of its first weight, the backend it returns to):
     * with {@code offload} (and a device other than the CPU) its weights move to host memory now.
     */
    public static Offloaded of(Module module, boolean offload) {
        Backend[] device = {null};
        module.visitParameters((key, p) -> { if (device[0] == null && p.isSet()) device[0] = p.get().backend(); });
        boolean onCpu = device[0] == null || device[0].device().equals(Backends.cpu().device());
        return new Offloaded(module, device[0], offload && !onCpu);
    }

    /** True if the weights are kept in host memory between uses. */
    public boolean offloads() { return offload; }

    /** Runs {@code body} with the weights on the device, then moves them back to host memory. */
    public <T> T use(Supplier<T> body) {
        if (!offload) return body.get();
        moveTo(module, device);
        try {
            return body.get();
        } finally {
            moveTo(module, Backends.cpu());
        }
    }

    /** Moves every weight of {@code module} not already on {@code target} there, freeing the old copy. */
    static void moveTo(Module module, Backend target) {
        module.visitParameters((key, p) -> {
            if (!p.isSet()) return;
            Tensor t = p.get();
            if (t.device().equals(target.device())) return;
            p.set(Scope.detach(target.copyFrom(t)));
            t.free();
        });
    }
}
