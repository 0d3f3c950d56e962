package dev.reel.pipeline.media;

import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameRecorder;

/**
 * Writes frames as an H.264 MP4 (libx264, yuv420p) through FFmpeg. The file is written under a temporary name
 * in the target folder and moved into place only once complete, so a reader never sees a partial video.
 *
 * @param fps    frame rate, ≥ 1
 * @param preset libx264 preset ({@link #PRESETS})
 * @param crf    libx264 constant rate factor, 0 … 51
 */
public record Mp4Writer(int fps, String preset, int crf) {
    /** The libx264 presets, fastest first. */
    public static final List<String> PRESETS = List.of("ultrafast", "superfast", "veryfast", "faster", "fast",
            "medium", "slow", "slower", "veryslow", "placebo");

    public Mp4Writer {
        if (fps < 1) throw new ReelException("mp4: fps = " + fps + ": must be at least 1");
        if (!PRESETS.contains(preset)) throw new ReelException("mp4: preset = \"" + preset + "\": must be one of " + PRESETS);
        if (crf < 0 || crf > 51) throw new ReelException("mp4: crf = " + crf + ": must be in 0..51");
    }

    /** Encodes {@code frames} into {@code file} (replacing it); height and width must be even (yuv420p). */
    public void write(Frames frames, Path file) {
        if (frames.count() < 1) throw new ReelException("mp4: no frames to write");
        if (frames.height() % 2 != 0 || frames.width() % 2 != 0) {
            throw new ReelException("mp4: frame size " + frames.width() + "x" + frames.height() + " must be even for yuv420p");
        }
        Path target = file.toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial");
        try {
            encode(frames, tmp);
            FileOps.moveIntoPlace(tmp, target);
        } catch (IOException e) {
            throw new ReelException("mp4: cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* best effort; the move normally took it */ }
        }
    }

    private void encode(Frames frames, Path tmp) throws FrameRecorder.Exception {
        FfmpegNatives.load();
        int w = frames.width(), h = frames.height();
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(tmp.toFile(), w, h, 0)) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
            rec.setFrameRate(fps);
            rec.setVideoOption("preset", preset);
            rec.setVideoOption("crf", Integer.toString(crf));
            rec.start();
            for (int t = 0; t < frames.count(); t++) {
                ByteBuffer rgb = ByteBuffer.wrap(frames.rgb24(t));
                rec.recordImage(w, h, Frame.DEPTH_UBYTE, 3, w * 3, avutil.AV_PIX_FMT_RGB24, rgb);
            }
            rec.stop();
        }
    }
}
