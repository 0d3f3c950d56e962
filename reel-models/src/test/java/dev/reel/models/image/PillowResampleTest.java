package dev.reel.models.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.fixtures.TestFixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Decoding to RGB (grey replicated, alpha composited over white) and resizing, byte for byte against Pillow's own
 * output ({@code testdata/pillow-resample}, made by {@code reel-models/src/test/python/pillow_resample_golden.py}):
 * every filter, shrinking, enlarging and both at once.
 */
class PillowResampleTest {
    private static final Path DIR = TestFixtures.locate().root().getParent().resolve("pillow-resample");

    private static RgbImage png(String name) { return RgbImage.read(DIR.resolve(name), Long.MAX_VALUE); }

    @Test
    void everyCaseIsPillowsBytes() throws Exception {
        JsonNode m = new ObjectMapper().readTree(DIR.resolve("manifest.json").toFile());
        int checked = 0;
        for (JsonNode c : m.get("cases")) {
            RgbImage in = png(c.get("input").textValue());
            assertSame(png(c.get("rgb").textValue()), in, c.get("input").textValue() + " made RGB");
            ResampleFilter f = ResampleFilter.ofName(c.get("filter").textValue());
            RgbImage got = in.resize(c.get("width").intValue(), c.get("height").intValue(), f);
            assertSame(png(c.get("file").textValue()), got, c.get("file").textValue());
            checked++;
        }
        assertEquals(m.get("cases").size(), checked);
    }

    private static void assertSame(RgbImage want, RgbImage got, String what) {
        assertEquals(want.width(), got.width(), what);
        assertEquals(want.height(), got.height(), what);
        int differing = 0, worst = 0;
        for (int y = 0; y < want.height(); y++) {
            for (int x = 0; x < want.width(); x++) {
                for (int c = 0; c < 3; c++) {
                    int d = Math.abs(want.at(y, x, c) - got.at(y, x, c));
                    if (d != 0) differing++;
                    worst = Math.max(worst, d);
                }
            }
        }
        assertTrue(differing == 0, what + ": " + differing + " values differ from Pillow's, by up to " + worst);
    }
}
