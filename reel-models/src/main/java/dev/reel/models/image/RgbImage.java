package dev.reel.models.image;

import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.awt.color.ColorSpace;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * An 8-bit RGB picture, row-major {@code [height, width, 3]}: what the image processors start from. Decoding
 * makes it RGB as Transformers 5's {@code convert_to_rgb} does (Pillow's {@code convert("RGB")}): grey is replicated,
 * a palette is looked up, and alpha is dropped (transparent pixels keep their stored colour).
 *
 * @param width  pixels per row
 * @param height rows
 * @param pixels {@code height · width · 3} bytes, R G B per pixel
 */
public record RgbImage(int width, int height, byte[] pixels) {
    /** Formats {@link #decode} reads (what Java's ImageIO decodes without plug-ins). */
    public static final String FORMATS = "PNG or JPEG";

    public RgbImage {
        if (width < 1 || height < 1) throw new InvalidImageException("image size must be positive, got " + width + "x" + height);
        if (pixels.length != (long) width * height * 3) throw new IllegalArgumentException("expected " + (long) width * height * 3 + " bytes, got " + pixels.length);
    }

    /** Reads and decodes an image file ({@link #decode}); a missing file or unknown format is an {@link InvalidImageException}. */
    public static RgbImage read(Path file, long maxPixels) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new InvalidImageException(file + ": no such file");
        } catch (IOException e) {
            throw new InvalidImageException(file + ": cannot be read (" + e.getMessage() + ")");
        }
        return decode(bytes, maxPixels);
    }

    /**
     * Decodes PNG or JPEG bytes. The size is read from the header first: more than {@code maxPixels} pixels is
     * refused before the picture is decoded.
     */
    public static RgbImage decode(byte[] bytes, long maxPixels) {
        if (bytes.length == 0) throw new InvalidImageException("the image is empty (0 bytes)");
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            ImageReader reader = null;
            while (readers.hasNext()) {
                ImageReader r = readers.next();
                String f = r.getFormatName().toLowerCase(java.util.Locale.ROOT);
                if (f.equals("png") || f.equals("jpeg") || f.equals("jpg")) { reader = r; break; }
            }
            if (reader == null) throw new InvalidImageException("the image is not a " + FORMATS + " file" + sniff(bytes));
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w * h > maxPixels) throw new InvalidImageException("the image is " + w + "x" + h + " = " + w * h + " pixels; at most " + maxPixels + " are accepted");
                return of(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof InvalidImageException ie) throw ie;
            throw new InvalidImageException("the image cannot be decoded as " + FORMATS + " (" + e.getMessage() + ")");
        }
    }

    /** What a non-PNG/JPEG payload looks like, to say more than "not an image". */
    private static String sniff(byte[] b) {
        if (b.length >= 12 && b[0] == 'R' && b[1] == 'I' && b[2] == 'F' && b[3] == 'F' && b[8] == 'W' && b[9] == 'E' && b[10] == 'B' && b[11] == 'P') return " (it is WebP, which is not supported)";
        if (b.length >= 4 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') return " (it is GIF, which is not supported)";
        return "";
    }

    /** The picture of a decoded {@link BufferedImage}, made RGB (see the class comment). */
    public static RgbImage of(BufferedImage img) {
        int w = img.getWidth(), h = img.getHeight();
        byte[] out = new byte[w * h * 3];
        Raster r = img.getRaster();
        boolean grey = img.getColorModel() instanceof ComponentColorModel cm && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        if (grey) {   // raw samples: getRGB would map linear grey through a gamma curve
            int bits = img.getColorModel().getComponentSize(0);
            int[] px = new int[r.getNumBands()];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r.getPixel(x, y, px);
                    int v = bits > 8 ? px[0] >> (bits - 8) : px[0];
                    int o = (y * w + x) * 3;
                    out[o] = out[o + 1] = out[o + 2] = (byte) v;
                }
            }
        } else {
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                img.getRGB(0, y, w, 1, row, 0, w);   // non-premultiplied sRGB ARGB; the alpha byte is dropped
                for (int x = 0; x < w; x++) {
                    int p = row[x], o = (y * w + x) * 3;
                    out[o] = (byte) (p >> 16);
                    out[o + 1] = (byte) (p >> 8);
                    out[o + 2] = (byte) p;
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    /** The pixel bytes (a copy). */
    @Override public byte[] pixels() { return pixels.clone(); }

    /** The value of channel {@code c} at ({@code x}, {@code y}), 0..255. */
    public int at(int y, int x, int c) { return pixels[(y * width + x) * 3 + c] & 0xff; }

    /** Resized to {@code w × h} exactly as Pillow's {@code Image.resize(…, resample=filter)} resizes an RGB image. */
    public RgbImage resize(int w, int h, ResampleFilter filter) {
        if (w < 1 || h < 1) throw new IllegalArgumentException("target size must be positive, got " + w + "x" + h);
        return new RgbImage(w, h, PillowResample.resize(pixels, width, height, 3, w, h, filter));
    }

    /** The {@code w × h} window whose top-left pixel is ({@code left}, {@code top}); it must lie inside the picture. */
    public RgbImage crop(int left, int top, int w, int h) {
        if (left < 0 || top < 0 || left + w > width || top + h > height) {
            throw new IllegalArgumentException("crop " + w + "x" + h + "+" + left + "+" + top + " is outside the " + width + "x" + height + " image");
        }
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) System.arraycopy(pixels, ((top + y) * width + left) * 3, out, y * w * 3, w * 3);
        return new RgbImage(w, h, out);
    }

    @Override public boolean equals(Object o) {
        return o instanceof RgbImage r && r.width == width && r.height == height && Arrays.equals(r.pixels, pixels);
    }

    @Override public int hashCode() { return 31 * (31 * width + height) + Arrays.hashCode(pixels); }

    @Override public String toString() { return "RgbImage[" + width + "x" + height + "]"; }
}
