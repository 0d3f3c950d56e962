package dev.reel.train.data;

import dev.reel.core.DType;
import dev.reel.core.Half;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.apache.parquet.io.api.Binary;

/** Tensors ↔ the little-endian bytes, shapes and numpy-style dtype names of a {@link LatentRow}. */
public final class RowTensors {
    private RowTensors() {}

    /** The dtype name stored for {@code t} ({@code float32}, {@code bfloat16}, {@code float16}). */
    public static String dtypeName(DType t) {
        return switch (t) {
            case F32 -> "float32";
            case BF16 -> "bfloat16";
            case F16 -> "float16";
            default -> throw new ReelException("rows store float32, bfloat16 or float16 tensors, not " + t);
        };
    }

    /** {@code t}'s values as {@code dtype}, little-endian, row-major. */
    public static Binary bytes(Tensor t, DType dtype) {
        float[] v = t.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(v.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> { for (float x : v) b.putFloat(x); }
            case BF16 -> { for (float x : v) b.putShort(Half.floatToBf16(x)); }
            case F16 -> { for (float x : v) b.putShort(Half.floatToF16(x)); }
            default -> throw new ReelException("rows store float32, bfloat16 or float16 tensors, not " + dtype);
        }
        return Binary.fromConstantByteArray(b.array());
    }

    /** {@code t}'s shape as a list. */
    public static List<Integer> shape(Tensor t) { return Arrays.stream(t.shape()).boxed().toList(); }

    /** The floats of a stored tensor, checked against its shape; {@code what} names the column for errors. */
    public static float[] floats(Binary bytes, List<Integer> shape, String dtype, String what) {
        long n = 1;
        for (int d : shape) n *= d;
        int size = switch (dtype) {
            case "float32" -> 4;
            case "bfloat16", "float16" -> 2;
            default -> throw new ReelException(what + ": dtype '" + dtype + "' is not one of float32, bfloat16, float16");
        };
        if (bytes.length() != n * size) throw new ReelException(what + ": " + bytes.length() + " bytes do not hold " + dtype + shape);
        ByteBuffer b = bytes.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[(int) n];
        // bulk reads, the dtype decided once: this runs for every row of every training batch
        if (size == 4) {
            b.asFloatBuffer().get(out);
        } else {
            short[] h = new short[out.length];
            b.asShortBuffer().get(h);
            boolean bf16 = dtype.equals("bfloat16");
            for (int i = 0; i < out.length; i++) out[i] = bf16 ? Half.bf16ToFloat(h[i]) : Half.f16ToFloat(h[i]);
        }
        return out;
    }
}
