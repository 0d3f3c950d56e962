package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Module tree, config handling and checkpoint keys of the Wan2.1 VAE (no compute). */
class AutoencoderKLWanStructureTest {

    @Test
    void realSizeVaeBuildsFromItsConfig() {
        Path config = findUp("testdata/configs/wan2.1-t2v-1.3b/vae");
        AutoencoderKLWan vae = AutoencoderKLWan.fromConfig(ConfigJson.read(config.resolve("config.json")));
        long params = vae.parameterCount();
        System.out.printf("Wan2.1 VAE (%s): %,d parameters (encoder %,d, decoder %,d)%n",
                config, params, vae.encoder.parameterCount(), vae.decoder.parameterCount());
        assertTrue(params > 126_000_000L && params < 128_000_000L, "Wan2.1 VAE has about 127M parameters, got " + params);
        assertArrayEquals(new int[] {384, 192, 3, 3, 3}, ((WanUpBlock) vae.decoder.upBlocks.get(1)).resnets.get(0).conv1.weight.shape());
        assertArrayEquals(new int[] {192, 384, 3, 3}, ((WanUpBlock) vae.decoder.upBlocks.get(1)).upsampler.resample.weight.shape());
        assertArrayEquals(new int[] {768, 384, 3, 1, 1}, ((WanUpBlock) vae.decoder.upBlocks.get(1)).upsampler.timeConv.weight.shape());
        assertEquals(16, vae.latentsMean().length);
        assertEquals(-0.7571f, vae.latentsMean()[0]);
        assertEquals(1.916f, vae.latentsStd()[15]);
    }

    @Test
    void tinyCheckpointLoadsWithEveryKeyMatched() {
        Path dir = TestFixtures.locate().pipelineDir().resolve("vae");
        AutoencoderKLWan vae = AutoencoderKLWan.load(dir, DType.F32, Backends.cpu());
        assertEquals(146, vae.namedParameters().size()); // every tensor of the checkpoint
        assertTrue(vae.namedParameters().containsKey("decoder.up_blocks.0.upsamplers.0.time_conv.weight"));
        assertTrue(vae.namedParameters().containsKey("encoder.down_blocks.3.time_conv.weight"));
        assertEquals(DType.F32, vae.dtype());
    }

    @Test
    void latentNormalisationUsesConfigMeanAndStd() {
        AutoencoderKLWan vae = new AutoencoderKLWan(WanVaeConfig.wan21());
        float[] mean = vae.latentsMean(), std = vae.latentsStd();
        int c = 16, pos = 3;
        float[] z = new float[c * pos];
        for (int i = 0; i < z.length; i++) z[i] = (float) Math.sin(i * 0.7) * 2;
        Tensor zt = Backends.cpu().fromFloats(z, DType.F32, 1, c, pos, 1, 1);
        float[] normalized = vae.normalizeLatents(zt).toFloatArray();
        float[] back = vae.denormalizeLatents(Backends.cpu().fromFloats(normalized, DType.F32, 1, c, pos, 1, 1)).toFloatArray();
        for (int i = 0; i < z.length; i++) {
            int ch = i / pos;
            assertEquals((z[i] - mean[ch]) / (double) std[ch], normalized[i], 1e-5, "normalize at " + i);
            assertEquals(z[i], back[i], 1e-5, "round trip at " + i);
        }
    }

    /** TI2V-5B's VAE: residual blocks, 12-channel patchified input, decoder_base_dim 256, upsamplers keeping channels. */
    @Test
    void wan22VaeBuildsFromItsConfig() {
        Path config = findUp("testdata/configs/wan2.2-ti2v-5b/vae");
        AutoencoderKLWan vae = AutoencoderKLWan.fromConfig(ConfigJson.read(config.resolve("config.json")));
        java.util.Map<String, int[]> shapes = new java.util.HashMap<>();
        vae.visitParameters((key, p) -> shapes.put(key, p.shape()));
        System.out.printf("Wan2.2 VAE (%s): %,d parameters (encoder %,d, decoder %,d)%n",
                config, vae.parameterCount(), vae.encoder.parameterCount(), vae.decoder.parameterCount());
        assertArrayEquals(new int[] {160, 12, 3, 3, 3}, shapes.get("encoder.conv_in.weight"));
        assertArrayEquals(new int[] {160, 160, 3, 3}, shapes.get("encoder.down_blocks.0.downsampler.resample.1.weight"));
        assertArrayEquals(new int[] {320, 160, 1, 1, 1}, shapes.get("encoder.down_blocks.1.resnets.0.conv_shortcut.weight"));
        assertArrayEquals(new int[] {320, 320, 3, 1, 1}, shapes.get("encoder.down_blocks.1.downsampler.time_conv.weight"));
        assertArrayEquals(new int[] {96, 640, 3, 3, 3}, shapes.get("encoder.conv_out.weight"));
        assertArrayEquals(new int[] {1024, 48, 3, 3, 3}, shapes.get("decoder.conv_in.weight"));
        assertArrayEquals(new int[] {2048, 1024, 3, 1, 1}, shapes.get("decoder.up_blocks.0.upsampler.time_conv.weight"));
        assertArrayEquals(new int[] {1024, 1024, 3, 3}, shapes.get("decoder.up_blocks.0.upsampler.resample.1.weight"));
        assertArrayEquals(new int[] {512, 1024, 1, 1, 1}, shapes.get("decoder.up_blocks.2.resnets.0.conv_shortcut.weight"));
        assertArrayEquals(new int[] {512, 512, 3, 3}, shapes.get("decoder.up_blocks.2.upsampler.resample.1.weight"));
        assertEquals(null, shapes.get("decoder.up_blocks.3.upsampler.resample.1.weight"), "the last level does not upsample");
        assertArrayEquals(new int[] {12, 256, 3, 3, 3}, shapes.get("decoder.conv_out.weight"));
        assertEquals(3, vae.config().videoInChannels());
        assertEquals(48, vae.latentsMean().length);
        assertEquals(-0.2289f, vae.latentsMean()[0]);
        assertEquals(0.7744f, vae.latentsStd()[47]);
    }

    @Test
    void patchChannelsMustDivide() {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.put("patch_size", 2);
        ConfigException e = assertThrows(ConfigException.class, () -> WanVaeConfig.fromConfig(ConfigJson.of("vae/config.json", json)));
        assertTrue(e.getMessage().contains("patch_size"), e.getMessage());
    }

    @Test
    void mismatchedTemporalDownsampleIsRejected() {
        ObjectNode json = new ObjectMapper().createObjectNode();
        json.putArray("temperal_downsample").add(true);
        ConfigException e = assertThrows(ConfigException.class, () -> WanVaeConfig.fromConfig(ConfigJson.of("vae/config.json", json)));
        assertTrue(e.getMessage().contains("temperal_downsample"), e.getMessage());
    }

    @Test
    void defaultsAreThePublishedVae() {
        assertEquals(WanVaeConfig.wan21(), WanVaeConfig.fromConfig(ConfigJson.of("empty", new ObjectMapper().createObjectNode())));
    }

    /** Finds {@code rel} in the working directory or one of its parents (tests run inside a module). */
    static Path findUp(String rel) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            if (Files.isDirectory(d.resolve(rel))) return d.resolve(rel);
        }
        throw new IllegalStateException(rel + " not found above " + Path.of("").toAbsolutePath());
    }
}
