package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Wan2.2 VAE (residual design, 2×2 patches, ×16 spatial) against Diffusers' {@code AutoencoderKLWan} with
 * {@code is_residual} and {@code patch_size 2}: the {@code wan22-ti2v-tiny} set's vae_decode and vae_encode cases
 * (made by {@code src/test/python/make_wan22_fixtures.py}).
 */
class Wan22VaeParityTest {
    private static FixtureSet fixtures;
    private static AutoencoderKLWan vae;

    @BeforeAll
    static void load() {
        fixtures = TestFixtures.named("wan22-ti2v-tiny");
        vae = AutoencoderKLWan.load(fixtures.pipelineDir().resolve("vae"), DType.F32, Backends.cpu());
    }

    @Test
    void decodeMatchesReference() {
        Tensor ref = fixtures.tensor("vae_decode", "video");
        Tensor video = vae.decode(fixtures.tensor("vae_decode", "z"));
        check("vae_decode video", video, ref, fixtures.rtol("vae_decode"));
    }

    @Test
    void encodeMatchesReference() {
        DiagonalGaussian d = vae.encode(fixtures.tensor("vae_encode", "video"));
        check("vae_encode mean", d.mean(), fixtures.tensor("vae_encode", "mean"), fixtures.rtol("vae_encode"));
        check("vae_encode logvar", d.logvar(), fixtures.tensor("vae_encode", "logvar"), fixtures.rtol("vae_encode"));
    }

    /** Tiled decode blends in the patchified space, as the reference; with one tile it is the plain decode. */
    @Test
    void tiledDecodeWithOneTileIsTheDecode() {
        Tensor z = fixtures.tensor("vae_decode", "z");
        Tensor ref = fixtures.tensor("vae_decode", "video");
        check("tiled decode (one tile)", vae.tiledDecode(z, WanVaeTiling.defaults()), ref, fixtures.rtol("vae_decode"));
    }

    private static void check(String what, Tensor got, Tensor ref, double rtol) {
        assertArrayEquals(ref.shape(), got.shape(), what + " shape");
        double err = Compare.relErr(got, ref);
        System.out.printf("%s %s: rel err %.3e (rtol %.0e)%n", what, Arrays.toString(got.shape()), err, rtol);
        assertTrue(err <= rtol, what + " rel err " + err + " > rtol " + rtol);
    }
}
