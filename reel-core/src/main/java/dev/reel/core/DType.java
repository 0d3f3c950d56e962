package dev.reel.core;

/** Element types a {@link Tensor} can hold. Compute on the CPU is F32; the others are storage formats. */
public enum DType {
    F32(4, "F32"), BF16(2, "BF16"), F16(2, "F16"), F8_E4M3(1, "F8_E4M3"), I64(8, "I64"), I32(4, "I32"), U8(1, "U8");

    private final int byteSize;
    private final String safetensorsName;

    DType(int byteSize, String safetensorsName) {
        this.byteSize = byteSize;
        this.safetensorsName = safetensorsName;
    }

    /** Bytes per element. */
    public int byteSize() { return byteSize; }

    /** The dtype's name in a safetensors header. */
    public String safetensorsName() { return safetensorsName; }

    /** True for the floating-point types. */
    public boolean isFloating() { return this == F32 || this == BF16 || this == F16 || this == F8_E4M3; }

    /** Parses a safetensors dtype name, or returns null when Reel does not know it. */
    public static DType fromSafetensors(String name) {
        for (DType d : values()) if (d.safetensorsName.equals(name)) return d;
        return null;
    }

    /** Parses a user-facing name such as "fp32", "bf16", "float16". */
    public static DType parse(String name) {
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "f32", "fp32", "float32", "float" -> F32;
            case "bf16", "bfloat16" -> BF16;
            case "f16", "fp16", "float16", "half" -> F16;
            default -> throw new ReelException("unknown dtype '" + name + "'; allowed: fp32, bf16, fp16");
        };
    }
}
