package dev.reel.cuda;

import dev.reel.core.FileOps;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * cuDNN execution plans kept on disk between runs, as cuDNN serialises them (the plan's JSON representation): a
 * runtime-compiled engine's plan (the fused attention's, ~0.05–0.45 s to build) is restored instead of rebuilt, so a
 * second run's first denoising step does not pay for it. One file per problem under
 * {@code <SystemOptions.cacheDir>/cudnn}, named by a hash of the problem's key, the cuDNN version and the GPU (cuDNN
 * promises nothing across either). Engines cuDNN cannot serialise, and files it will not restore, simply build as
 * before; a read-only folder only costs the rebuild.
 */
final class CudnnPlanCache {
    private final Path dir;
    private final String salt;

    /**
     * @param dir     the folder of cached plans (made on first write)
     * @param version cuDNN's version (cudnnGetVersion)
     * @param gpu     the device's name and architecture, e.g. "NVIDIA H200 sm_90"
     */
    CudnnPlanCache(Path dir, long version, String gpu) {
        this.dir = dir;
        this.salt = "cudnn " + version + " on " + gpu;
    }

    /** The serialised plan of problem {@code key}, or null when none is kept. */
    byte[] read(String key) {
        Path f = file(key);
        try {
            return Files.isRegularFile(f) ? Files.readAllBytes(f) : null;
        } catch (IOException e) {
            return null;
        }
    }

    /** Keeps {@code json} as problem {@code key}'s plan (written whole or not at all). */
    void write(String key, byte[] json) {
        try {
            FileOps.writeAtomically(file(key), json);
        } catch (IOException ignored) {
            // a read-only cache only costs rebuilding the plan next time
        }
    }

    /** Forgets problem {@code key}'s plan (one cuDNN would not restore). */
    void forget(String key) {
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException ignored) {
            // left for the next run to try again
        }
    }

    private Path file(String key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest((salt + "\n" + key).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(h, 0, 16) + ".json");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
