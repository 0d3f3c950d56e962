package dev.reel.models.nn;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A module whose weights live in host memory between uses and on its device only while {@link #use} runs
 * (memory levels 1 and 2: the text encoder, the VAE). The host copy is made once and kept, since weights do not
 * change: a use uploads them (one host-to-device copy per weight, about half a second for UMT5-XXL's 11 GB on
 * an H200, far less than encoding on the CPU would take) and afterwards simply frees the device copies. Where the
 * device is the CPU, or offloading is off, the weights stay where they are.
 */
public final class Offloaded {
    private final Backend device;
    private final List<Parameter> params = new ArrayList<>();
    private final List<Tensor> host = new ArrayList<>();
    private final boolean offload;

    private Offloaded(Module module, Backend device, boolean offload) {
        this.device = device;
        this.offload = offload;
        if (!offload) return;
        Backend cpu = Backends.cpu();
        module.visitParameters((key, p) -> {
            if (!p.isSet()) return;
            Tensor t = p.get();
            Tensor h = Scope.detach(cpu.copyFrom(t));
            t.free();
            p.set(h);
            params.add(p);
            host.add(h);
        });
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

    /** Runs {@code body} with the weights on the device, then frees the device copies (the host ones stay). */
    public <T> T use(Supplier<T> body) {
        if (!offload) return body.get();
        List<Tensor> onDevice = new ArrayList<>(params.size());
        try {
            for (int i = 0; i < params.size(); i++) {
                Tensor d = Scope.detach(device.copyFrom(host.get(i)));
                onDevice.add(d);
                params.get(i).set(d);
            }
            return body.get();
        } finally {
            // frees are ordered after the queued work on the device's stream, so the body's ops still see them
            for (int i = 0; i < params.size(); i++) params.get(i).set(host.get(i));
            for (Tensor d : onDevice) d.free();
        }
    }
}
