package dev.reel.pipeline.media;

import dev.reel.core.ReelException;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodecParameters;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * What FFmpeg reports about a video file, frames counted by decoding every one.
 *
 * @param codec       the video codec's FFmpeg name (e.g. {@code h264})
 * @param pixelFormat the stream's pixel format name (e.g. {@code yuv420p})
 * @param frames      frames decoded
 * @param width       frame width
 * @param height      frame height
 * @param fps         the stream's frame rate
 */
public record VideoProbe(String codec, String pixelFormat, int frames, int width, int height, double fps) {

    /** Opens {@code file} with FFmpeg and decodes it to the end. */
    public static VideoProbe of(Path file) {
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.start();
            // the grabber converts decoded pictures (to BGR); the stream's own parameters say what is stored
            AVCodecParameters par = videoParameters(g.getFormatContext(), file);
            String codec = avcodec.avcodec_get_name(par.codec_id()).getString();
            String pix = avutil.av_get_pix_fmt_name(par.format()).getString();
            int n = 0;
            for (Frame f; (f = g.grabImage()) != null; ) if (f.image != null) n++;
            VideoProbe p = new VideoProbe(codec, pix, n, g.getImageWidth(), g.getImageHeight(), g.getFrameRate());
            g.stop();
            return p;
        } catch (FrameGrabber.Exception e) {
            throw new ReelException("cannot decode " + file + ": " + e.getMessage(), e);
        }
    }

    /** Prints each file's probe, one line each (for scripts on machines without ffprobe, such as the GPU machine). */
    public static void main(String[] args) {
        for (String a : args) System.out.println(a + ": " + of(Path.of(a)));
    }

    private static AVCodecParameters videoParameters(AVFormatContext fc, Path file) {
        for (int i = 0; i < fc.nb_streams(); i++) {
            AVCodecParameters par = fc.streams(i).codecpar();
            if (par.codec_type() == avutil.AVMEDIA_TYPE_VIDEO) return par;
        }
        throw new ReelException(file + " has no video stream");
    }
}
