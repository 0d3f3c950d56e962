package dev.reel.train.data;

import dev.reel.core.ReelException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.ffmpeg.global.swscale;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;

/**
 * Decodes a training clip with FFmpeg: {@code frames} frames sampled at {@code fps} from the start (frame i is the
 * source frame nearest to time i/fps), scaled by FFmpeg (area filter) so the picture covers
 * {@code height × width} with its aspect kept, then centre-cropped to it — FastVideo's resize + centre crop.
 *
 * @param frames frames to take (4k+1 for the Wan VAE)
 * @param fps    sampling rate; 0 keeps the source's
 * @param height output height
 * @param width  output width
 */
public record ClipReader(int frames, double fps, int height, int width) {
    /** A clip that cannot be used: unreadable, or shorter than asked; the message says which and why. */
    public static final class BadClipException extends ReelException {
        public BadClipException(String message) { super(message); }
    }

    /**
     * A decoded clip: {@code [frames, height, width, 3]} RGB in [0, 1], row-major, and the rate it was sampled at.
     *
     * @param rgb       the pixels
     * @param fps       the sampling rate used
     * @param sourceFps the file's frame rate
     */
    public record Clip(float[] rgb, double fps, double sourceFps) {}

    /** Reads {@code file}; a file FFmpeg cannot read or that is too short is a {@link BadClipException}. */
    public Clip read(Path file) {
        dev.reel.pipeline.media.FfmpegNatives.load();
        double srcFps;
        int w0, h0;
        try (FFmpegFrameGrabber probe = new FFmpegFrameGrabber(file.toFile())) {
            probe.start();
            srcFps = probe.getFrameRate();
            w0 = probe.getImageWidth();
            h0 = probe.getImageHeight();
            probe.stop();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new BadClipException("cannot decode: " + ffmpegMessage(e));
        }
        if (w0 <= 0 || h0 <= 0) throw new BadClipException("has no video picture");
        if (!(srcFps > 0)) throw new BadClipException("has no frame rate");
        double rate = fps > 0 ? fps : srcFps;
        double scale = Math.max((double) height / h0, (double) width / w0);
        int sw = Math.max(width, (int) Math.round(w0 * scale)), sh = Math.max(height, (int) Math.round(h0 * scale));
        int x0 = (sw - width) / 2, y0 = (sh - height) / 2;
        float[] rgb = new float[frames * height * width * 3];
        int taken = 0, index = 0;
        try (FFmpegFrameGrabber g = new FFmpegFrameGrabber(file.toFile())) {
            g.setImageWidth(sw);
            g.setImageHeight(sh);
            g.setPixelFormat(avutil.AV_PIX_FMT_RGB24);
            g.setImageScalingFlags(swscale.SWS_AREA);
            g.start();
            for (Frame f; taken < frames && (f = g.grabImage()) != null; index++) {
                // the source frame nearest to the next sample's time; a rate above the source's repeats frames
                while (taken < frames && Math.round(taken * srcFps / rate) == index) {
                    copyCrop(f, x0, y0, rgb, taken);
                    taken++;
                }
            }
            g.stop();
        } catch (FrameGrabber.Exception | RuntimeException e) {
            throw new BadClipException("cannot decode: " + ffmpegMessage(e));
        }
        if (taken < frames) {
            throw new BadClipException("is too short: " + index + " frames at " + fmt(srcFps) + " fps give " + taken + " of the "
                    + frames + " frames needed at " + fmt(rate) + " fps");
        }
        return new Clip(rgb, rate, srcFps);
    }

    private void copyCrop(Frame f, int x0, int y0, float[] out, int t) {
        ByteBuffer b = (ByteBuffer) f.image[0];
        int stride = f.imageStride;
        int base = t * height * width * 3;
        for (int y = 0; y < height; y++) {
            int row = (y0 + y) * stride + x0 * 3;
            for (int x = 0; x < width * 3; x++) out[base + (y * width * 3) + x] = (b.get(row + x) & 255) / 255f;
        }
    }

    /** javacv's message without its advice to the programmer ("(Has setFormat() been called?)" …). */
    private static String ffmpegMessage(Exception e) {
        String m = String.valueOf(e.getMessage());
        int hint = m.indexOf(" (");
        return hint > 0 ? m.substring(0, hint) : m;
    }

    private static String fmt(double v) { return String.format(java.util.Locale.ROOT, "%.3g", v); }
}
