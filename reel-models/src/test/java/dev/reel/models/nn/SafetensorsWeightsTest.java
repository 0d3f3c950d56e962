package dev.reel.models.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWeightsTest {
    @Test
    void readsKeysShapesAndValuesFromAFolder(@TempDir Path dir) {
        var cpu = Backends.cpu();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put("a.weight", cpu.fromFloats(new float[] {1, 2, 3, 4, 5, 6}, DType.F32, 2, 3));
        tensors.put("a.bias", cpu.fromFloats(new float[] {0.5f, -1.25f}, DType.BF16, 2));
        SafetensorsWriter.write(dir.resolve("diffusion_pytorch_model.safetensors"), tensors);

        try (SafetensorsWeights w = SafetensorsWeights.open(dir)) {
            assertEquals(java.util.Set.of("a.weight", "a.bias"), w.keys());
            assertArrayEquals(new int[] {2, 3}, w.shape("a.weight"));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, w.load("a.weight", DType.F32, cpu).toFloatArray());
            Tensor bias = w.load("a.bias", DType.F32, cpu);
            assertEquals(DType.F32, bias.dtype());
            assertArrayEquals(new float[] {0.5f, -1.25f}, bias.toFloatArray());
            assertTrue(w.describe().contains("diffusion_pytorch_model.safetensors"));
        }
    }
}
