package dev.reel.pipeline;

import java.nio.file.Path;
import java.util.Locale;

/** What the Output stage writes. */
public enum OutputFormat {
    /** An H.264 (libx264, yuv420p) MP4 file. */
    MP4,
    /** A folder of PNG frames ({@code frame_00000.png}, …). */
    PNG,
    /** Nothing on disk; the frames are only returned. */
    NONE;

    /** The format a path implies: {@code .mp4} → MP4, anything else → PNG folder; null → NONE. */
    public static OutputFormat fromPath(Path output) {
        if (output == null) return NONE;
        String name = output.getFileName().toString().toLowerCase(Locale.ROOT);
        return name.endsWith(".mp4") ? MP4 : PNG;
    }
}
