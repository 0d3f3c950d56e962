package dev.reel.cli;

import dev.reel.core.DeviceOutOfMemoryException;

/** What the CLI says when a device runs out of memory: what failed, what was available, and what to try. */
final class OutOfMemory {
    private OutOfMemory() {}

    /** For a typed allocation failure (CPU tensor or CUDA pool), whose message names the size and what was free. */
    static String advice(DeviceOutOfMemoryException e) {
        boolean gpu = e.getMessage() != null && e.getMessage().startsWith("CUDA");
        return e.getMessage() + "\n  try: " + (gpu ? GPU_TRY : CPU_TRY);
    }

    /** For the JVM's own {@link OutOfMemoryError} (an allocation outside the tensor allocator). */
    static String advice(OutOfMemoryError e) {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return "out of memory (" + e.getMessage() + "): the Java heap uses " + DeviceOutOfMemoryException.size(used) + " of its "
                + DeviceOutOfMemoryException.size(rt.maxMemory()) + " maximum\n  try: " + CPU_TRY;
    }

    private static final String CPU_TRY = "a larger heap (REEL_HEAP=48g bin/reel …, or REEL_MAX_RAM_PERCENT=90), "
            + "--text-encoder-dtype bf16 (halves the text encoder), a smaller --height/--width/--frames, "
            + "or --random-text-embeddings with --random-weights for timing runs";
    private static final String GPU_TRY = "--dtype bf16, --text-encoder-dtype bf16, --vae-dtype bf16, a smaller --height/--width/--frames, "
            + "or another GPU (--device cuda:N)";
}
