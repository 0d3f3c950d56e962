package dev.reel.core;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How much of a pipeline stays in device memory (Smart-Diffusion's {@code low_mem_level}, FastVideo's offload
 * switches). Each level keeps what the one below it does off the device and adds one more saving:
 * <ol start="0">
 * <li>{@link #RESIDENT}: every model resident on the device;</li>
 * <li>{@link #TEXT_ENCODER_OFFLOAD}: the text encoder lives in host memory and is copied to the device for each
 *     encoding (faster than encoding on the CPU: UMT5-XXL's 11 GB cross the host link in about half a second, while the CPU
 *     would take minutes);</li>
 * <li>{@link #VAE_OFFLOAD}: also the VAE lives in host memory between decodes, and decodes in overlapping
 *     spatial tiles so its activation memory is bounded by the tile size, not the video's;</li>
 * <li>{@link #DIT_STREAMING}: also the diffusion transformer's blocks live in pinned host memory and are
 *     streamed to the device block by block, the copy of the next block overlapping the compute of this one.</li>
 * </ol>
 */
public enum MemoryLevel {
    RESIDENT, TEXT_ENCODER_OFFLOAD, VAE_OFFLOAD, DIT_STREAMING;

    /** The level of number {@code level} (0..3); a clear error otherwise. */
    public static MemoryLevel of(int level) {
        if (level < 0 || level >= values().length) {
            throw new ReelException("memory level " + level + " is not known; allowed: "
                    + Arrays.stream(values()).map(l -> l.ordinal() + " (" + l.describe() + ")").collect(Collectors.joining(", ")));
        }
        return values()[level];
    }

    /** The level's number, 0..3. */
    public int level() { return ordinal(); }

    /** True if the text encoder is kept in host memory between encodings. */
    public boolean offloadsTextEncoder() { return this.compareTo(TEXT_ENCODER_OFFLOAD) >= 0; }

    /** True if the VAE is kept in host memory between decodes and decodes in tiles. */
    public boolean offloadsVae() { return this.compareTo(VAE_OFFLOAD) >= 0; }

    /** True if the transformer's blocks are streamed from host memory. */
    public boolean streamsTransformer() { return this == DIT_STREAMING; }

    /** A few words for help texts and logs. */
    public String describe() {
        return switch (this) {
            case RESIDENT -> "everything resident";
            case TEXT_ENCODER_OFFLOAD -> "text encoder in host memory between encodings";
            case VAE_OFFLOAD -> "also the VAE in host memory between decodes, tiled decode";
            case DIT_STREAMING -> "also the transformer's blocks streamed from pinned host memory";
        };
    }
}
