package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The real-size Wan2.2 transformers from their configs (module trees only, no weights). */
class Wan22TransformerStructureTest {
    /** TI2V-5B: 48 latent channels in and out, 30 blocks of width 3072 (24 heads of 128), about 5.0 B parameters. */
    @Test void ti2v5b() {
        WanTransformer3DModel t = load("wan2.2-ti2v-5b/transformer");
        long n = t.parameterCount();
        System.out.printf("Wan2.2 TI2V-5B transformer: %,d parameters%n", n);
        assertTrue(n > 4_900_000_000L && n < 5_100_000_000L, "TI2V-5B has about 5.0 B parameters, got " + n);
        assertArrayEquals(new int[] {3072, 48, 1, 2, 2}, t.patchEmbedding.weight.shape());
        assertArrayEquals(new int[] {48 * 4, 3072}, t.projOut.weight.shape());
        assertEquals(30, t.blocks.size());
    }

    /** A14B: each expert is a Wan2.1-T2V-14B-shaped transformer (40 blocks of width 5120), about 14 B parameters. */
    @Test void a14bExperts() {
        for (String slot : new String[] {"transformer", "transformer_2"}) {
            WanTransformer3DModel t = load("wan2.2-t2v-a14b/" + slot);
            long n = t.parameterCount();
            System.out.printf("Wan2.2 A14B %s: %,d parameters%n", slot, n);
            assertTrue(n > 14_000_000_000L && n < 14_500_000_000L, slot + " has about 14 B parameters, got " + n);
        }
    }

    private static WanTransformer3DModel load(String rel) {
        Path dir = AutoencoderKLWanStructureTest.findUp("testdata/configs/" + rel);
        return WanTransformer3DModel.fromConfig(ConfigJson.read(dir.resolve("config.json")));
    }
}
