package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Wan2.1 VAE against Diffusers' {@code AutoencoderKLWan} (fixture cases vae_decode and vae_encode). */
class AutoencoderKLWanParityTest {
    private static FixtureSet fixtures;
    private static AutoencoderKLWan vae;

    @BeforeAll
    static void load() {
        fixtures = TestFixtures.locate();
        vae = AutoencoderKLWan.load(fixtures.pipelineDir().resolve("vae"), DType.F32, Backends.cpu());
    }

    @Test
    void decodeMatchesReference() {
        Tensor z = fixtures.tensor("vae_decode", "z");
        Tensor ref = fixtures.tensor("vae_decode", "video");
        long t0 = System.nanoTime();
        Tensor video = vae.decode(z);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(ref.shape(), video.shape());
        double err = Compare.relErr(video, ref);
        double rtol = fixtures.rtol("vae_decode");
        System.out.printf("vae_decode %s -> %s: rel err %.3e (rtol %.0e), %d ms%n",
                java.util.Arrays.toString(z.shape()), java.util.Arrays.toString(video.shape()), err, rtol, ms);
        assertTrue(err <= rtol, "vae_decode rel err " + err + " > rtol " + rtol);
    }

    @Test
    void decodeLeavesOnlyItsOutputInTheCallersScope() {
        Tensor z = fixtures.tensor("vae_decode", "z");
        try (Scope scope = Scope.open()) {
            Tensor video = vae.decode(z);
            assertEquals(1, scope.ownedCount(), "decode must free its intermediates and feature cache");
            assertFalse(video.storage().isFreed());
        }
    }

    @Test
    void encodeMatchesReference() {
        Tensor video = fixtures.tensor("vae_encode", "video");
        Tensor refMean = fixtures.tensor("vae_encode", "mean");
        Tensor refLogvar = fixtures.tensor("vae_encode", "logvar");
        long t0 = System.nanoTime();
        DiagonalGaussian latent = vae.encode(video);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertArrayEquals(refMean.shape(), latent.mean().shape());
        assertArrayEquals(refLogvar.shape(), latent.logvar().shape());
        double errMean = Compare.relErr(latent.mean(), refMean);
        double errLogvar = Compare.relErr(latent.logvar(), refLogvar);
        double rtol = fixtures.rtol("vae_encode");
        System.out.printf("vae_encode %s: mean rel err %.3e, logvar rel err %.3e (rtol %.0e), %d ms%n",
                java.util.Arrays.toString(video.shape()), errMean, errLogvar, rtol, ms);
        assertTrue(errMean <= rtol, "vae_encode mean rel err " + errMean + " > rtol " + rtol);
        assertTrue(errLogvar <= rtol, "vae_encode logvar rel err " + errLogvar + " > rtol " + rtol);
    }
}
