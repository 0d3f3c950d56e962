package dev.reel.pipeline.media;

import org.bytedeco.ffmpeg.global.avutil;

/** FFmpeg's native libraries, loaded on first use only (validation reads settings without them), and its logging. */
public final class FfmpegNatives {
    private FfmpegNatives() {}

    static {
        // FFmpeg logs every stream detail to stderr at its default level; Reel reports errors itself.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    /** Loads the libraries and quiets their log; cheap after the first call. */
    public static void load() {}
}
