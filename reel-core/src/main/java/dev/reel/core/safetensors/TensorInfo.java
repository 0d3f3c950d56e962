package dev.reel.core.safetensors;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.util.Arrays;

/**
 * One tensor's entry in a safetensors header.
 *
 * @param name  the key
 * @param dtype element type as stored
 * @param shape dimensions (empty for a scalar)
 * @param begin first byte, relative to the start of the data section
 * @param end   one past the last byte, relative to the start of the data section
 */
public record TensorInfo(String name, DType dtype, int[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    /** A copy of the shape. */
    @Override public int[] shape() { return shape.clone(); }

    /** Number of elements. */
    public long numel() { return Tensor.numel(shape); }

    /** Bytes of data ({@code end - begin}). */
    public long byteSize() { return end - begin; }

    @Override public boolean equals(Object o) {
        return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype && Arrays.equals(shape, t.shape)
                && begin == t.begin && end == t.end;
    }

    @Override public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override public String toString() { return name + " " + dtype + Arrays.toString(shape); }
}
