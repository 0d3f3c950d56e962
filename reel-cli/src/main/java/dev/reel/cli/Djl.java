package dev.reel.cli;

import dev.reel.core.SystemOptions;

/**
 * DJL's global settings, which it reads from system properties (or the environment) when first used: set here,
 * at the edge, before any tokenizer loads. Unless the user configured DJL, it runs offline
 * ({@code ai.djl.offline=true}: it fails instead of going to the network; the tokenizer's native library is
 * bundled in its jar and only unpacked) and unpacks that library under {@code <cache-dir>/djl}.
 */
final class Djl {
    private Djl() {}

    static void configure(SystemOptions system) {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) System.setProperty("ai.djl.offline", "true");
        boolean cacheSet = System.getProperty("ENGINE_CACHE_DIR") != null || System.getenv("ENGINE_CACHE_DIR") != null
                || System.getProperty("DJL_CACHE_DIR") != null || System.getenv("DJL_CACHE_DIR") != null;
        if (!cacheSet) System.setProperty("ENGINE_CACHE_DIR", system.cacheDir().resolve("djl").toString());
    }
}
