package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real-size Wan2.1 VAE (random weights) on a small video: every level runs at its real width. */
@Tag("slow")
class AutoencoderKLWanRealSizeTest {

    @Test
    void encodesAndDecodesASmallVideoAtRealWidth() {
        Path dir = AutoencoderKLWanStructureTest.findUp("testdata/configs/wan2.1-t2v-1.3b/vae");
        WanVaeConfig config = WanVaeConfig.fromConfig(ConfigJson.read(dir.resolve("config.json")));
        var cpu = Backends.cpu();
        AutoencoderKLWan vae = AutoencoderKLWan.random(config, 42, DType.F32, cpu);

        float[] pixels = new float[3 * 5 * 32 * 32];
        for (int i = 0; i < pixels.length; i++) pixels[i] = (float) Math.sin(i * 0.01);
        long t0 = System.nanoTime();
        DiagonalGaussian latent = vae.encode(cpu.fromFloats(pixels, DType.F32, 1, 3, 5, 32, 32));
        long t1 = System.nanoTime();
        assertArrayEquals(new int[] {1, 16, 2, 4, 4}, latent.mean().shape());
        Tensor video = vae.decode(latent.mean());
        long t2 = System.nanoTime();
        assertArrayEquals(new int[] {1, 3, 5, 32, 32}, video.shape());
        for (float v : video.toFloatArray()) assertTrue(v >= -1f && v <= 1f && !Float.isNaN(v), "decoded value " + v);
        System.out.printf("real-size VAE on CPU: encode [1,3,5,32,32] %d ms, decode [1,16,2,4,4] %d ms%n",
                (t1 - t0) / 1_000_000, (t2 - t1) / 1_000_000);
    }
}
