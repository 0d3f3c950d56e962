package dev.reel.train.vae;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Tensor;
import dev.reel.train.data.ClipReader;
import dev.reel.train.data.VideoList;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * The videos a VAE trains on, decoded once and held as 8-bit RGB: batches are random windows of {@code frames}
 * consecutive frames (the VAE is causal, so a window starting anywhere is a valid clip) of random clips.
 */
public final class VaeClips {
    private final List<byte[]> clips = new ArrayList<>();
    private final int length, height, width;

    private VaeClips(int length, int height, int width) {
        this.length = length;
        this.height = height;
        this.width = width;
    }

    /** Decodes every usable video of {@code videos} at {@code length} frames of {@code height × width}. */
    public static VaeClips read(VideoList videos, int length, int height, int width, Consumer<String> progress) {
        VaeClips out = new VaeClips(length, height, width);
        ClipReader reader = new ClipReader(length, 0, height, width);
        for (VideoList.Item item : videos.items()) {
            try {
                float[] rgb = reader.read(item.file()).rgb();
                byte[] q = new byte[rgb.length];
                for (int i = 0; i < rgb.length; i++) q[i] = (byte) Math.round(Math.max(0f, Math.min(1f, rgb[i])) * 255f);
                out.clips.add(q);
            } catch (ClipReader.BadClipException e) {
                progress.accept("skipped " + item.name() + ": " + e.getMessage());
            }
        }
        if (out.clips.isEmpty()) throw new ReelException("no usable video among the " + videos.items().size() + " given");
        return out;
    }

    /** Clips held. */
    public int size() { return clips.size(); }

    /** Frames per clip. */
    public int length() { return length; }

    /**
     * {@code batch} windows of {@code frames} frames, each a random {@code crop × crop} square of a random clip
     * ({@code crop} = the frame's smaller side for whole frames), drawn with {@code random}, as the VAE's input
     * {@code [batch, 3, frames, crop, crop]} in [−1, 1] (fp32). The VAE is convolutional: crops teach it what whole
     * frames do at a fraction of the cost.
     */
    public Tensor batch(Random random, int batch, int frames, int crop, Backend backend) {
        if (frames > length) throw new ReelException("--frames " + frames + " is longer than the clips read (" + length + ")");
        if (crop < 1 || crop > Math.min(height, width)) throw new ReelException("--crop " + crop + " must be in 1.." + Math.min(height, width));
        int per = frames * crop * crop * 3;
        float[] x = new float[batch * per];
        for (int b = 0; b < batch; b++) {
            byte[] c = clips.get(random.nextInt(clips.size()));
            int t0 = random.nextInt(length - frames + 1), y0 = random.nextInt(height - crop + 1), x0 = random.nextInt(width - crop + 1);
            int o = b * per;
            for (int t = 0; t < frames; t++) {
                for (int y = 0; y < crop; y++) {
                    int src = (((t0 + t) * height + y0 + y) * width + x0) * 3;
                    for (int k = 0; k < crop * 3; k++) x[o++] = (c[src + k] & 255) / 127.5f - 1f;
                }
            }
        }
        return backend.contiguous(backend.fromFloats(x, DType.F32, batch, frames, crop, crop, 3).permute(0, 4, 1, 2, 3));
    }

    /** Clip {@code i} whole, {@code [1, 3, length, H, W]} in [−1, 1]. */
    public Tensor clip(int i, Backend backend) {
        byte[] c = clips.get(i);
        float[] x = new float[c.length];
        for (int k = 0; k < c.length; k++) x[k] = (c[k] & 255) / 127.5f - 1f;
        return backend.contiguous(backend.fromFloats(x, DType.F32, 1, length, height, width, 3).permute(0, 4, 1, 2, 3));
    }
}
