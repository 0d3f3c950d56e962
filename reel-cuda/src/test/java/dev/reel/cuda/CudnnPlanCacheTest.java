package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The plan cache's files: kept whole per problem, apart per cuDNN version and GPU, forgotten on request. */
class CudnnPlanCacheTest {
    @TempDir Path dir;

    @Test
    void keepsEachProblemsPlanApartPerVersionAndGpu() throws Exception {
        byte[] json = "{\"engine\": 7}".getBytes(StandardCharsets.UTF_8);
        CudnnPlanCache c = new CudnnPlanCache(dir.resolve("cudnn"), 91900, "NVIDIA H200 sm_90");
        assertNull(c.read("attention BF16[1, 12, 32760, 128]"));
        c.write("attention BF16[1, 12, 32760, 128]", json);
        assertArrayEquals(json, c.read("attention BF16[1, 12, 32760, 128]"));
        assertNull(c.read("attention BF16[1, 12, 512, 128]"));
        assertNull(new CudnnPlanCache(dir.resolve("cudnn"), 91400, "NVIDIA H200 sm_90").read("attention BF16[1, 12, 32760, 128]"));
        assertNull(new CudnnPlanCache(dir.resolve("cudnn"), 91900, "NVIDIA H100 sm_90").read("attention BF16[1, 12, 32760, 128]"));
        try (var files = Files.list(dir.resolve("cudnn"))) {
            assertArrayEquals(new Object[] {}, files.filter(f -> f.toString().endsWith(".tmp")).toArray());   // no partial files left
        }
        c.forget("attention BF16[1, 12, 32760, 128]");
        assertNull(c.read("attention BF16[1, 12, 32760, 128]"));
    }

    @Test
    void aFolderThatCannotBeMadeOnlyCostsTheRebuild() throws Exception {
        Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
        CudnnPlanCache c = new CudnnPlanCache(file.resolve("cudnn"), 91900, "NVIDIA H200 sm_90");
        c.write("conv", new byte[] {1});
        assertNull(c.read("conv"));
    }
}
