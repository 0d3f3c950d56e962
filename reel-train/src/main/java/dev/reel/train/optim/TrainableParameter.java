package dev.reel.train.optim;

import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.nn.Parameter;

/**
 * One trained weight: the model's {@link Parameter} (in the compute dtype, e.g. bf16 on a GPU) and its fp32 master
 * copy, which the optimizer updates and copies back. In fp32 the master is the parameter's own tensor.
 */
public final class TrainableParameter {
    private final String name;
    private final Parameter parameter;
    private final Tensor master;

    public TrainableParameter(String name, Parameter parameter) {
        this.name = name;
        this.parameter = parameter;
        Tensor p = parameter.get();
        this.master = p.dtype() == DType.F32 ? p : Scope.detach(p.backend().cast(p, DType.F32));
    }

    /** The checkpoint key. */
    public String name() { return name; }
    /** The model's tensor (what the forward reads, and the tape watches). */
    public Tensor value() { return parameter.get(); }
    /** The fp32 master weights. */
    public Tensor master() { return master; }

    /** Refreshes the model's copy after the master weights were updated in place. */
    public void masterUpdated() {
        Tensor p = parameter.get();
        if (p != master) p.backend().copyInto(p, master);
    }

    /** Sets the master weights to {@code v} and refreshes the model's copy. */
    public void assign(Tensor v) {
        master.backend().copyInto(master, v);
        masterUpdated();
    }
}
