package dev.reel.pipeline.media;

import java.util.concurrent.atomic.AtomicBoolean;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;

/** FFmpeg's native libraries, loaded on first use only (validation reads settings without them), and its logging. */
public final class FfmpegNatives {
    private FfmpegNatives() {}

    static {
        // FFmpeg logs every stream detail to stderr at its default level; Reel reports errors itself.
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
    }

    private static final AtomicBoolean PRELOADING = new AtomicBoolean();

    /** Loads the libraries and quiets their log; cheap after the first call. */
    public static void load() {}

    /**
     * Starts loading the libraries the MP4 writer needs on a background thread, once per process: a job that will
     * write an MP4 calls it as it starts, so the ≈ 0.5 s of loading overlaps the denoising instead of preceding the
     * encode. A failure here is left for the writer to report.
     */
    public static void preloadInBackground() {
        if (!PRELOADING.compareAndSet(false, true)) return;
        Thread t = new Thread(() -> {
            try {
                load();
                FFmpegFrameRecorder.tryLoad();
            } catch (Throwable ignored) {
                // the writer loads again and reports what goes wrong
            }
        }, "reel-ffmpeg-preload");
        t.setDaemon(true);
        t.start();
    }
}
