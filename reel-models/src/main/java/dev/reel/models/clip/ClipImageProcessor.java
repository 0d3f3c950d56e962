package dev.reel.models.clip;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.image.ResampleFilter;
import dev.reel.models.image.RgbImage;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;
import java.util.List;

/**
 * Transformers' {@code CLIPImageProcessor} (its PIL/NumPy path) as its {@code preprocessor_config.json} says:
 * resize so the shortest edge is {@code size.shortest_edge} (the other edge {@code int(size·long/short)}; or to
 * {@code size.height × size.width}) with Pillow's filter {@code resample}, centre-crop {@code crop_size} (top-left
 * at {@code (dim − crop) // 2}), rescale by {@code rescale_factor}, normalise by {@code image_mean}/{@code image_std}.
 * Resizing reproduces Pillow's bytes; rescaling and normalising follow NumPy's float32 arithmetic, so pixel values
 * match the reference's exactly.
 *
 * @param shortestEdge  target shortest edge, or 0 when {@code height}/{@code width} are given
 * @param height        exact resize height (with {@code width}), or 0
 * @param width         exact resize width, or 0
 */
public record ClipImageProcessor(boolean doResize, int shortestEdge, int height, int width, ResampleFilter resample,
                                 boolean doCenterCrop, int cropHeight, int cropWidth, boolean doRescale, double rescaleFactor,
                                 boolean doNormalize, float[] imageMean, float[] imageStd) {
    /** The processor folder's file. */
    public static final String FILE = "preprocessor_config.json";
    private static final float[] OPENAI_CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] OPENAI_CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    /** Reads {@code folder/preprocessor_config.json}; Transformers' defaults fill what it leaves out. */
    public static ClipImageProcessor read(Path folder) {
        ConfigJson c = ConfigJson.read(folder.resolve(FILE));
        int shortest = 0, h = 0, w = 0;
        JsonNode size = c.node("size");
        if (size == null) shortest = 224;
        else if (size.isInt()) shortest = size.intValue();
        else if (size.has("shortest_edge")) shortest = size.get("shortest_edge").intValue();
        else if (size.has("height") && size.has("width")) { h = size.get("height").intValue(); w = size.get("width").intValue(); }
        else throw new ConfigException(c.source() + ": \"size\" must hold shortest_edge or height and width, found " + size);
        int ch = 224, cw = 224;
        JsonNode crop = c.node("crop_size");
        if (crop != null && crop.isInt()) ch = cw = crop.intValue();
        else if (crop != null) { ch = crop.path("height").asInt(224); cw = crop.path("width").asInt(224); }
        ResampleFilter filter;
        try {
            JsonNode r = c.node("resample");   // Pillow's code (3), or its name ("bicubic", "PILImageResampling.BICUBIC")
            filter = r == null ? ResampleFilter.BICUBIC : r.isTextual()
                    ? ResampleFilter.ofName(r.textValue().substring(r.textValue().lastIndexOf('.') + 1))
                    : ResampleFilter.ofPillowCode(c.getInt("resample"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(c.source() + ": " + e.getMessage());
        }
        float[] mean = floats(c, "image_mean", OPENAI_CLIP_MEAN), std = floats(c, "image_std", OPENAI_CLIP_STD);
        var p = new ClipImageProcessor(c.getBoolean("do_resize", true), shortest, h, w, filter, c.getBoolean("do_center_crop", true),
                ch, cw, c.getBoolean("do_rescale", true), c.getDouble("rescale_factor", 1 / 255.0), c.getBoolean("do_normalize", true), mean, std);
        if (p.cropHeight < 1 || p.cropWidth < 1 || (p.doResize && p.shortestEdge < 1 && (p.height < 1 || p.width < 1))) {
            throw new ConfigException(c.source() + ": sizes must be positive (size " + size + ", crop_size " + crop + ")");
        }
        return p;
    }

    private static float[] floats(ConfigJson c, String key, float[] def) {
        if (!c.has(key)) return def.clone();
        double[] d = c.getDoubleArray(key);
        if (d.length != 3) throw new ConfigException(c.source() + ": \"" + key + "\" must have 3 values (R, G, B), found " + d.length);
        float[] f = new float[3];
        for (int i = 0; i < 3; i++) f[i] = (float) d[i];
        return f;
    }

    /** The side of the square the encoder sees (after the crop), when the crop is on. */
    public int outputHeight() { return doCenterCrop ? cropHeight : height; }

    /** The resized size {@code (w, h)} of a {@code width × height} picture. */
    public int[] resizedSize(int w, int h) {
        if (shortestEdge < 1) return new int[] {width, height};
        int shortSide = Math.min(w, h), longSide = Math.max(w, h);
        int newLong = (int) ((double) shortestEdge * longSide / shortSide);
        return w <= h ? new int[] {shortestEdge, newLong} : new int[] {newLong, shortestEdge};
    }

    /** The picture after resize and crop, before rescaling (8-bit). */
    public RgbImage resizeAndCrop(RgbImage image) {
        RgbImage im = image;
        if (doResize) {
            int[] s = resizedSize(im.width(), im.height());
            im = im.resize(s[0], s[1], resample);
        }
        if (doCenterCrop) {
            if (cropWidth > im.width() || cropHeight > im.height()) {
                throw new ConfigException("crop_size " + cropHeight + "x" + cropWidth + " is larger than the resized image " + im.height() + "x" + im.width());
            }
            im = im.crop((im.width() - cropWidth) / 2, (im.height() - cropHeight) / 2, cropWidth, cropHeight);
        }
        return im;
    }

    /** {@code pixel_values} {@code [N, 3, S, S]} fp32 on {@code backend}, one row per picture (all must end the same size). */
    public Tensor process(List<RgbImage> images, Backend backend) {
        RgbImage first = null;
        float[] out = null;
        for (int n = 0; n < images.size(); n++) {
            RgbImage im = resizeAndCrop(images.get(n));
            if (first == null) {
                first = im;
                out = new float[images.size() * 3 * im.height() * im.width()];
            } else if (im.width() != first.width() || im.height() != first.height()) {
                throw new IllegalArgumentException("processed images differ in size: " + first + " and " + im);
            }
            int plane = im.height() * im.width();
            for (int c = 0; c < 3; c++) {
                float mean = imageMean[c], std = imageStd[c];
                for (int y = 0; y < im.height(); y++) {
                    for (int x = 0; x < im.width(); x++) {
                        float v = im.at(y, x, c);
                        if (doRescale) v = (float) (im.at(y, x, c) * rescaleFactor);   // NumPy: float64 product, cast to float32
                        if (doNormalize) v = (v - mean) / std;                        // float32 arithmetic
                        out[(n * 3 + c) * plane + y * im.width() + x] = v;
                    }
                }
            }
        }
        if (first == null) throw new IllegalArgumentException("no images to process");
        return backend.fromFloats(out, DType.F32, images.size(), 3, first.height(), first.width());
    }
}
