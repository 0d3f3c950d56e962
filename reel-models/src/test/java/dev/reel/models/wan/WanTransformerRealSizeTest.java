package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.models.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Builds the published model sizes from their real configs (module tree only; no weights allocated). */
class WanTransformerRealSizeTest {

    /** {@code testdata/configs/<name>}, found walking up from the working directory. */
    static Path realConfig(String name) {
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("testdata/configs").resolve(name);
            if (Files.isDirectory(p)) return p;
        }
        throw new IllegalStateException("testdata/configs/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Parameter count written out from the architecture, independently of the module tree. */
    private static long expectedParameters(long dim, long ffn, long layers, long text, long freq, long in, long out, long patch) {
        long linear = dim * dim + dim;
        long attention = 4 * linear + 2 * dim;                 // q, k, v, out + norm_q, norm_k
        long ffnParams = dim * ffn + ffn + ffn * dim + dim;
        long block = 2 * attention + ffnParams + 2 * dim + 6 * dim;  // norm2 affine + scale_shift_table
        long patchEmbedding = dim * in * patch + dim;
        long timeEmbedder = freq * dim + dim + linear;
        long timeProj = dim * 6 * dim + 6 * dim;
        long textEmbedder = text * dim + dim + linear;
        long projOut = dim * out * patch + out * patch;
        return layers * block + patchEmbedding + timeEmbedder + timeProj + textEmbedder + projOut + 2 * dim;
    }

    @Test
    void wan21T2v13bHasAbout1_4BillionParameters() {
        var model = WanTransformer3DModel.fromConfig(ConfigJson.read(realConfig("wan2.1-t2v-1.3b").resolve("transformer/config.json")));
        var c = model.config();
        assertEquals(1536, c.innerDim());
        assertEquals(30, model.blocks.size());
        assertArrayEquals(new int[] {44, 42, 42}, model.rope.axisDims());
        long n = model.parameterCount();
        assertEquals(expectedParameters(1536, 8960, 30, 4096, 256, 16, 16, 4), n);
        System.out.printf("Wan2.1-T2V-1.3B transformer: %,d parameters%n", n);
        assertTrue(n > 1.3e9 && n < 1.5e9, "parameter count " + n);
        assertArrayEquals(new int[] {1536, 16, 1, 2, 2}, model.namedParameters().get("patch_embedding.weight").shape());
        assertArrayEquals(new int[] {8960, 1536}, model.namedParameters().get("blocks.29.ffn.net.0.proj.weight").shape());
    }

    @Test
    void wan21T2v14bHasAbout14BillionParameters() {
        var model = WanTransformer3DModel.fromConfig(ConfigJson.read(realConfig("wan2.1-t2v-14b").resolve("transformer/config.json")));
        long n = model.parameterCount();
        assertEquals(expectedParameters(5120, 13824, 40, 4096, 256, 16, 16, 4), n);
        System.out.printf("Wan2.1-T2V-14B transformer: %,d parameters%n", n);
        assertTrue(n > 13e9 && n < 15e9, "parameter count " + n);
    }
}
