package dev.reel.models.nn;

import dev.reel.core.ShapeException;
import dev.reel.core.Tensor;
import java.util.Arrays;

/** A weight slot of a {@link Module}: its expected shape and, once loaded, its tensor. */
public final class Parameter {
    private final int[] shape;
    private Tensor value;

    Parameter(int[] shape) { this.shape = shape.clone(); }

    /** The shape the checkpoint must provide. */
    public int[] shape() { return shape.clone(); }

    /** The loaded tensor; throws if the model was not loaded. */
    public Tensor get() {
        if (value == null) throw new IllegalStateException("parameter of shape " + Arrays.toString(shape) + " is not loaded");
        return value;
    }

    /** True once a tensor is set. */
    public boolean isSet() { return value != null; }

    /** Sets the tensor; its shape must match. */
    public void set(Tensor t) {
        if (!Arrays.equals(t.shape(), shape)) throw new ShapeException("parameter", "expected shape " + Arrays.toString(shape) + ", got " + Arrays.toString(t.shape()));
        value = t;
    }
}
