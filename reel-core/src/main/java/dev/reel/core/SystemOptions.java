package dev.reel.core;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * System parameters (Smart-Diffusion's middle configuration level): set once at start-up by the CLI or the server
 * from flags and the environment, then passed down. Nothing below the edge reads the environment itself.
 *
 * @param attention    the attention implementation to prefer
 * @param convolution  the GPU convolution path: {@code "auto"} (cuDNN where it can, im2col otherwise) or
 *                     {@code "im2col"} (diagnostics)
 * @param cacheDir     where compiled kernels and other caches live
 * @param libraryPath  extra folders to search for native libraries (CUDA, cuDNN, NCCL), before the system's
 * @param memoryLevel  what stays in device memory ({@link MemoryLevel}: 0 everything … 3 the transformer streamed)
 */
public record SystemOptions(AttentionBackend attention, String convolution, Path cacheDir, List<Path> libraryPath,
                            MemoryLevel memoryLevel) {
    /** The values {@link #convolution} may take. */
    public static final List<String> CONVOLUTIONS = List.of("auto", "im2col");

    public SystemOptions {
        Objects.requireNonNull(attention, "attention");
        Objects.requireNonNull(convolution, "convolution");
        if (!CONVOLUTIONS.contains(convolution)) {
            throw new ReelException("convolution path '" + convolution + "' is not known; allowed: " + String.join(", ", CONVOLUTIONS));
        }
        Objects.requireNonNull(cacheDir, "cacheDir");
        libraryPath = List.copyOf(libraryPath);
        Objects.requireNonNull(memoryLevel, "memoryLevel");
    }

    /** Options with everything resident ({@link MemoryLevel#RESIDENT}). */
    public SystemOptions(AttentionBackend attention, String convolution, Path cacheDir, List<Path> libraryPath) {
        this(attention, convolution, cacheDir, libraryPath, MemoryLevel.RESIDENT);
    }

    /** The defaults: automatic choices, caches under {@code ~/.cache/reel}, no extra library folders. */
    public static SystemOptions defaults() {
        return new SystemOptions(AttentionBackend.AUTO, "auto",
                Path.of(System.getProperty("user.home"), ".cache", "reel"), List.of(), MemoryLevel.RESIDENT);
    }

    /** A copy with another attention choice. */
    public SystemOptions withAttention(AttentionBackend a) { return new SystemOptions(a, convolution, cacheDir, libraryPath, memoryLevel); }

    /** A copy with another convolution path ({@code "auto"} or {@code "im2col"}). */
    public SystemOptions withConvolution(String c) { return new SystemOptions(attention, c, cacheDir, libraryPath, memoryLevel); }

    /** A copy with another cache folder. */
    public SystemOptions withCacheDir(Path dir) { return new SystemOptions(attention, convolution, dir, libraryPath, memoryLevel); }

    /** A copy with other extra library folders. */
    public SystemOptions withLibraryPath(List<Path> dirs) { return new SystemOptions(attention, convolution, cacheDir, dirs, memoryLevel); }

    /** A copy with another memory level. */
    public SystemOptions withMemoryLevel(MemoryLevel level) { return new SystemOptions(attention, convolution, cacheDir, libraryPath, level); }
}
