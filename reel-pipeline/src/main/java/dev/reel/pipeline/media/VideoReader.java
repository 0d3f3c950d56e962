package dev.reel.pipeline.media;

import dev.reel.core.ReelException;
import dev.reel.pipeline.Frames;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/** Decodes a video file (any format FFmpeg reads) into {@link Frames}: 8-bit RGB as values in [0, 1]. */
public final class VideoReader {
    private VideoReader() {}

    /** Every frame of {@code file}. */
    public static Frames read(Path file) {
        if (!Files.isRegularFile(file)) throw new ReelException("no video file at " + file);
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            g.start();
            int w = g.getImageWidth(), h = g.getImageHeight();
            List<float[]> frames = new ArrayList<>();
            for (Frame f; (f = g.grabImage()) != null; ) {
                if (f.image == null) continue;
                ByteBuffer buf = (ByteBuffer) f.image[0];
                int stride = f.imageStride;
                float[] rgb = new float[h * w * 3];
                for (int y = 0; y < h; y++) {
                    for (int x = 0; x < w * 3; x++) rgb[y * w * 3 + x] = (buf.get(y * stride + x) & 0xff) / 255f;
                }
                frames.add(rgb);
            }
            g.stop();
            if (frames.isEmpty()) throw new ReelException(file + " has no video frames");
            float[] all = new float[frames.size() * h * w * 3];
            for (int i = 0; i < frames.size(); i++) System.arraycopy(frames.get(i), 0, all, i * h * w * 3, h * w * 3);
            return new Frames(frames.size(), h, w, all);
        } catch (FrameGrabber.Exception e) {
            throw new ReelException("cannot decode " + file + ": " + e.getMessage(), e);
        }
    }
}
