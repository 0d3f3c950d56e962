package dev.reel.cuda;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The integer codes Reel's kernels take for dtypes and ops, the one place they are written on the Java side. Each
 * code is given explicitly (never an enum ordinal), so reordering a Java enum cannot silently change what a kernel
 * computes; the switches are exhaustive, so a new {@link DType} or {@link Backend.Unary} constant does not compile
 * until it has a code. {@link #macros()} names every code by the {@code #define} the kernel sources use for it, and
 * {@code KernelAbiTest} (run in CI, no GPU) reads the {@code .cuh}/{@code .cu} resources and checks each one.
 */
final class KernelAbi {
    private KernelAbi() {}

    /** Maximum rank of an elementwise launch after coalescing ({@code MAXR} in common.cuh). */
    static final int MAXR = 8;

    /** {@code ew_unary} codes beyond {@link Backend.Unary}: identity (casts, copies, affine maps) and clamp. */
    static final int UNARY_IDENTITY = 100, UNARY_CLAMP = 101;
    /** {@code ew_binary} codes. */
    static final int BINARY_ADD = 0, BINARY_SUB = 1, BINARY_MUL = 2, BINARY_DIV = 3;
    /** {@code ew_ternary} codes: {@code a·(1 + b) + c} and {@code a + b·c}. */
    static final int TERNARY_MODULATE = 0, TERNARY_GATED = 1;
    /** {@code reduce_rows}/{@code reduce_cols} kinds. */
    static final int REDUCE_SUM = 0, REDUCE_MEAN = 1, REDUCE_MAX = 2, REDUCE_NORM = 3;

    /** The kernels' code of a dtype ({@code DT_*} in common.cuh). */
    static int dtype(DType t) {
        return switch (t) {
            case F32 -> 0;
            case BF16 -> 1;
            case F16 -> 2;
            case F8_E4M3 -> 3;
            case I64 -> 4;
            case I32 -> 5;
            case U8 -> 6;
        };
    }

    /** The kernels' code of a pointwise function ({@code U_*} in elementwise.cu). */
    static int unary(Backend.Unary op) {
        return switch (op) {
            case SILU -> 0;
            case GELU_TANH -> 1;
            case GELU_ERF -> 2;
            case RELU -> 3;
            case EXP -> 4;
            case NEG -> 5;
            case SQRT -> 6;
            case RSQRT -> 7;
            case TANH -> 8;
            case SIGMOID -> 9;
            case ABS -> 10;
            case SIN -> 11;
            case COS -> 12;
            case SQUARE -> 13;
        };
    }

    /** The {@code #define} name of a dtype's code: {@code DT_} and the name without underscores. */
    static String macro(DType t) { return "DT_" + t.name().replace("_", ""); }

    /** The {@code #define} name of a pointwise function's code. */
    static String macro(Backend.Unary op) { return "U_" + op.name(); }

    /** Every code, by the name of the {@code #define} that must hold it in the kernel sources. */
    static Map<String, Integer> macros() {
        Map<String, Integer> m = new LinkedHashMap<>();
        m.put("MAXR", MAXR);
        for (DType t : DType.values()) m.put(macro(t), dtype(t));
        for (Backend.Unary op : Backend.Unary.values()) m.put(macro(op), unary(op));
        m.put("U_IDENTITY", UNARY_IDENTITY);
        m.put("U_CLAMP", UNARY_CLAMP);
        m.put("B_ADD", BINARY_ADD);
        m.put("B_SUB", BINARY_SUB);
        m.put("B_MUL", BINARY_MUL);
        m.put("B_DIV", BINARY_DIV);
        m.put("T_MODULATE", TERNARY_MODULATE);
        m.put("T_GATED", TERNARY_GATED);
        m.put("RED_SUM", REDUCE_SUM);
        m.put("RED_MEAN", REDUCE_MEAN);
        m.put("RED_MAX", REDUCE_MAX);
        m.put("RED_NORM", REDUCE_NORM);
        return m;
    }
}
