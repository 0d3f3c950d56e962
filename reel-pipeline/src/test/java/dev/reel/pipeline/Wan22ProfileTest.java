package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.stages.InputValidation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What the Wan2.2 configs say about requests: TI2V-5B's ×16 geometry and defaults, A14B's two experts. */
class Wan22ProfileTest {
    /** TI2V-5B at its native 121×704×1280: 48 latent channels, ×16 space, 27,280 tokens; 24 fps and flow shift 5. */
    @Test void ti2v5b() {
        ModelProfile p = ModelProfile.read(configs("wan2.2-ti2v-5b"));
        assertEquals(1, p.experts());
        VideoGeometry g = p.geometry();
        assertEquals(32, g.heightMultiple());
        assertArrayEquals(new int[] {1, 48, 31, 44, 80}, g.latentShape(121, 704, 1280));
        assertEquals(31L * 22 * 40, g.tokens(121, 704, 1280));
        assertEquals(24, p.defaults().fps());
        assertEquals(5.0, p.defaults().flowShift());
        assertNull(p.defaults().guidanceScale2());
        GenerationRequest r = p.requestBuilder("a fox").size(704, 1280).numFrames(121).guidanceScale2(3.0).build();
        var e = assertThrows(InvalidRequestException.class, () -> InputValidation.check(r, p, GenerationLimits.defaults()));
        assertEquals("guidanceScale2", e.field());
        assertTrue(e.getMessage().contains("two experts"), e.getMessage());
    }

    /** A14B: two experts, so a second guidance scale is allowed; Wan2.1's ×8 geometry and Diffusers' defaults. */
    @Test void a14b() {
        ModelProfile p = ModelProfile.read(configs("wan2.2-t2v-a14b"));
        assertEquals(2, p.experts());
        assertEquals(16, p.defaults().fps());
        assertNull(p.defaults().flowShift());
        GenerationRequest r = p.requestBuilder("a fox").size(480, 832).numFrames(81).guidanceScale2(3.0).build();
        assertTrue(InputValidation.violations(r, p, GenerationLimits.defaults()).isEmpty());
        assertEquals(3.0, r.effectiveGuidanceScale2());
        assertEquals(r.guidanceScale(), r.toBuilder().guidanceScale2(null).build().effectiveGuidanceScale2());
        GenerationRequest bad = r.toBuilder().guidanceScale2(Double.NaN).build();
        assertEquals("guidanceScale2", InputValidation.violations(bad, p, GenerationLimits.defaults()).getFirst().field());
    }

    /** The tiny A14B set's folder names the same family as the real configs. */
    @Test void fixtureFolder() {
        assertEquals(2, ModelProfile.read(TestFixtures.named("wan22-a14b-tiny").pipelineDir()).experts());
    }

    /** TI2V takes text alone or a first frame; A14B text-to-video takes no picture. */
    @Test void firstFrameRules() {
        var picture = new dev.reel.models.image.RgbImage(32, 16, new byte[32 * 16 * 3]);
        ModelProfile ti2v = ModelProfile.read(configs("wan2.2-ti2v-5b"));
        assertEquals("ti2v", ti2v.task().task());
        GenerationRequest ok = ti2v.requestBuilder("a fox").size(704, 1280).numFrames(121).image(picture).build();
        assertTrue(InputValidation.violations(ok, ti2v, GenerationLimits.defaults()).isEmpty(), "a picture of any size is resized, as Diffusers");
        assertTrue(InputValidation.violations(ok.toBuilder().image(null).build(), ti2v, GenerationLimits.defaults()).isEmpty(), "text alone");
        ModelProfile a14b = ModelProfile.read(configs("wan2.2-t2v-a14b"));
        GenerationRequest notTi2v = a14b.requestBuilder("a fox").size(480, 832).numFrames(81).image(picture).build();
        assertEquals("image", InputValidation.violations(notTi2v, a14b, GenerationLimits.defaults()).getFirst().field());
    }

    static Path configs(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("testdata/configs").resolve(name);
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("testdata/configs/" + name + " not found");
    }
}
