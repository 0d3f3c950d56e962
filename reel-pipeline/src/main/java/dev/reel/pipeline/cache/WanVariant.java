package dev.reel.pipeline.cache;

import dev.reel.models.wan.WanTransformerConfig;
import java.util.Locale;

/**
 * The published Wan2.1 models the caches' references ship calibrations for. Text-to-video models are told apart
 * by their transformer's size; the image-to-video ones (same transformer, different resolution) are named.
 */
enum WanVariant {
    T2V_1_3B("t2v-1.3b"), T2V_14B("t2v-14b"), I2V_480P("i2v-480p"), I2V_720P("i2v-720p");

    final String id;

    WanVariant(String id) { this.id = id; }

    /** Parses an id such as {@code t2v-1.3b}; null if unknown. */
    static WanVariant parse(String id) {
        for (WanVariant v : values()) if (v.id.equals(id.toLowerCase(Locale.ROOT))) return v;
        return null;
    }

    /** The text-to-video variant with {@code c}'s architecture, or null (e.g. the demo model). */
    static WanVariant of(WanTransformerConfig c) {
        if (c.inChannels() != 16 || c.numLayers() == 0) return null;
        if (c.numLayers() == 30 && c.innerDim() == 1536) return T2V_1_3B;
        if (c.numLayers() == 40 && c.innerDim() == 5120) return T2V_14B;
        return null;
    }

    /** All ids, for error messages. */
    static String ids() {
        StringBuilder b = new StringBuilder();
        for (WanVariant v : values()) b.append(b.isEmpty() ? "" : ", ").append(v.id);
        return b.toString();
    }
}
