package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.DType;
import org.junit.jupiter.api.Test;

class GeneratorOptionsTest {
    @Test
    void vaeRunsInFp32UnlessAskedOtherwiseWhateverTheTransformerDtype() {
        GeneratorOptions bf16 = GeneratorOptions.defaults().withDtype(DType.BF16);
        assertEquals(DType.F32, bf16.effectiveVaeDtype());
        assertEquals(DType.BF16, bf16.effectiveTextEncoderDtype());
        assertEquals(DType.BF16, bf16.withVaeDtype(DType.BF16).effectiveVaeDtype());
        assertEquals(DType.BF16, bf16.withVaeDtype(DType.BF16).withLimits(new GenerationLimits(64, 64, 9, 2, Long.MAX_VALUE)).withDevice(bf16.device()).vaeDtype());
    }
}
