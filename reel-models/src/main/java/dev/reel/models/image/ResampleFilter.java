package dev.reel.models.image;

/**
 * Pillow's resampling filters as {@code Image.resize} applies them: a kernel and its support (in source pixels at
 * scale 1; widened by the scale factor when shrinking, which is Pillow's antialiasing). Codes are Pillow's
 * {@code Image.Resampling} values, as image-processor configs store them ({@code "resample": 3}).
 */
public enum ResampleFilter {
    /** {@code NEAREST} (0) is not a convolution in Pillow and is not supported; 2 = BILINEAR. */
    BILINEAR(2, 1.0),
    /** Keys' cubic with a = −0.5. */
    BICUBIC(3, 2.0),
    /** sinc windowed by sinc(x/3). */
    LANCZOS(1, 3.0);

    /** Pillow's {@code Image.Resampling} code. */
    public final int pillowCode;
    /** Kernel radius at scale 1. */
    public final double support;

    ResampleFilter(int pillowCode, double support) {
        this.pillowCode = pillowCode;
        this.support = support;
    }

    /** The filter of a Pillow code; throws naming the supported codes. */
    public static ResampleFilter ofPillowCode(int code) {
        for (ResampleFilter f : values()) if (f.pillowCode == code) return f;
        throw new IllegalArgumentException("resample " + code + " is not supported (supported: 1 = LANCZOS, 2 = BILINEAR, 3 = BICUBIC)");
    }

    /** Diffusers' names ({@code "lanczos"}, {@code "bicubic"}, {@code "bilinear"}). */
    public static ResampleFilter ofName(String name) {
        for (ResampleFilter f : values()) if (f.name().equalsIgnoreCase(name)) return f;
        throw new IllegalArgumentException("resample \"" + name + "\" is not supported (supported: lanczos, bicubic, bilinear)");
    }

    /** The kernel's weight at distance {@code x} (source pixels, already divided by the scale). */
    double weight(double x) {
        return switch (this) {
            case BILINEAR -> {
                double a = Math.abs(x);
                yield a < 1.0 ? 1.0 - a : 0.0;
            }
            case BICUBIC -> {
                final double a = -0.5;
                double t = Math.abs(x);
                if (t < 1.0) yield ((a + 2.0) * t - (a + 3.0)) * t * t + 1;
                if (t < 2.0) yield (((t - 5) * t + 8) * t - 4) * a;
                yield 0.0;
            }
            case LANCZOS -> -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
        };
    }

    private static double sinc(double x) {
        if (x == 0.0) return 1.0;
        double px = x * Math.PI;
        return Math.sin(px) / px;
    }
}
