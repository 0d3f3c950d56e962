package dev.reel.models.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** Decoding and the pixel operations that need no reference numbers. */
class RgbImageTest {

    private static byte[] png(BufferedImage im) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(im, "png", out));
        return out.toByteArray();
    }

    @Test
    void greyPngKeepsItsRawValues() throws IOException {
        BufferedImage g = new BufferedImage(5, 3, BufferedImage.TYPE_BYTE_GRAY);
        for (int x = 0; x < 5; x++) g.getRaster().setSample(x, 1, 0, 40 * x + 10);
        RgbImage im = RgbImage.decode(png(g), 100);
        for (int x = 0; x < 5; x++) for (int c = 0; c < 3; c++) assertEquals(40 * x + 10, im.at(1, x, c));
    }

    /** Alpha is dropped, as Transformers 5's convert_to_rgb (Pillow's convert("RGB")): colours stay as stored. */
    @Test
    void alphaIsDroppedColoursStay() throws IOException {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_INT_ARGB);
        a.setRGB(0, 0, 0x00123456);
        a.setRGB(1, 0, 0x80abcdef);
        RgbImage im = RgbImage.decode(png(a), 100);
        assertEquals(0x12, im.at(0, 0, 0));
        assertEquals(0x56, im.at(0, 0, 2));
        assertEquals(0xab, im.at(0, 1, 0));
        assertEquals(0xef, im.at(0, 1, 2));
    }

    @Test
    void resizeToTheSameSizeIsTheIdentityAndCropCutsTheCentre() {
        byte[] px = new byte[4 * 3 * 3];
        for (int i = 0; i < px.length; i++) px[i] = (byte) (i * 7);
        RgbImage im = new RgbImage(4, 3, px);
        assertEquals(im, im.resize(4, 3, ResampleFilter.BICUBIC));
        RgbImage c = im.crop(1, 1, 2, 2);
        assertEquals(im.at(1, 1, 0), c.at(0, 0, 0));
        assertEquals(im.at(2, 2, 2), c.at(1, 1, 2));
        assertThrows(IllegalArgumentException.class, () -> im.crop(3, 0, 2, 2));
    }

    @Test
    void aConstantPictureStaysConstantThroughEveryFilter() {
        byte[] px = new byte[9 * 7 * 3];
        java.util.Arrays.fill(px, (byte) 200);
        RgbImage im = new RgbImage(9, 7, px);
        for (ResampleFilter f : ResampleFilter.values()) {
            for (int[] s : new int[][] {{4, 3}, {20, 11}, {9, 2}}) {
                RgbImage r = im.resize(s[0], s[1], f);
                for (int y = 0; y < s[1]; y++) for (int x = 0; x < s[0]; x++) assertEquals(200, r.at(y, x, 1), f + " " + s[0] + "x" + s[1]);
            }
        }
    }

    @Test
    void badInputSaysWhatIsWrong() {
        var e = assertThrows(InvalidImageException.class, () -> RgbImage.decode(new byte[0], 100));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());
        e = assertThrows(InvalidImageException.class, () -> RgbImage.decode("hello, not an image".getBytes(), 100));
        assertTrue(e.getMessage().contains("PNG or JPEG"), e.getMessage());
        byte[] webp = "RIFF\0\0\0\0WEBPVP8 ".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        e = assertThrows(InvalidImageException.class, () -> RgbImage.decode(webp, 100));
        assertTrue(e.getMessage().contains("WebP"), e.getMessage());
        e = assertThrows(InvalidImageException.class, () -> RgbImage.decode(png(new BufferedImage(20, 10, BufferedImage.TYPE_INT_RGB)), 199));
        assertTrue(e.getMessage().contains("20x10") && e.getMessage().contains("199"), e.getMessage());
        e = assertThrows(InvalidImageException.class, () -> RgbImage.read(java.nio.file.Path.of("no-such-image.png"), 100));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
