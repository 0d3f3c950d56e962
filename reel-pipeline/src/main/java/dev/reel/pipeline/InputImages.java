package dev.reel.pipeline;

import dev.reel.models.image.RgbImage;
import java.nio.file.Path;

/**
 * Where conditioning pictures enter (CLI files, server uploads): the one rule on their size, and decoding with it.
 * Pictures are decoded before any compute; what is wrong is an {@link dev.reel.models.image.InvalidImageException}.
 */
public final class InputImages {
    /** Most pixels a conditioning picture may have (4096²): it is resized to the video's size anyway. */
    public static final long MAX_PIXELS = 4096L * 4096L;

    private InputImages() {}

    /** Reads and decodes a PNG or JPEG file. */
    public static RgbImage read(Path file) { return RgbImage.read(file, MAX_PIXELS); }

    /** Decodes PNG or JPEG bytes. */
    public static RgbImage decode(byte[] bytes) { return RgbImage.decode(bytes, MAX_PIXELS); }
}
