package dev.reel.core;

import java.util.Locale;

/**
 * Which attention implementation a backend runs, as FastVideo's {@code attention/selector.py} names them. Chosen
 * once from {@link SystemOptions}; a backend that cannot run the choice falls back and logs why.
 */
public enum AttentionBackend {
    /** Let the backend pick its best available kernel. */
    AUTO,
    /** Scaled-dot-product attention through the vendor library (cuDNN on CUDA; the tiled kernel on the CPU). */
    SDPA,
    /** Reel's own flash-style kernel. */
    FLASH;

    /** Parses a lower-case name ("auto", "sdpa", "flash"); the error names the allowed values. */
    public static AttentionBackend parse(String s) {
        for (AttentionBackend b : values()) {
            if (b.name().equalsIgnoreCase(s.trim())) return b;
        }
        throw new ReelException("attention backend '" + s + "' is not known; allowed: auto, sdpa, flash");
    }

    @Override public String toString() { return name().toLowerCase(Locale.ROOT); }
}
