package dev.reel.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class OpProfileTest {
    private static final Backend CPU = Backends.cpu();

    @Test void countsEachOpCalledThroughTensorsWhileStarted() {
        Tensor a = CPU.fromFloats(new float[] {1, 2, 3, 4}, DType.F32, 2, 2);
        Tensor before = a.backend().matmul(a, a);
        try (OpProfile p = new OpProfile().start()) {
            Tensor m = a.backend().matmul(a, a);
            Tensor s = m.backend().add(m, a);
            // a backend without a kernel of its own answers null (the caller composes the op): nothing to count
            assertEquals(null, a.backend().conv3dBackwardData(a, a, new int[] {2, 2}, new int[3], new int[3]));
            assertEquals(null, a.backend().attentionBackward(a, a, a, a, null, a, 1f));
            assertEquals(null, a.backend().attentionForBackward(a, a, a, 1f));
            float[] read = s.toFloatArray();   // a read-back is device work too
            p.stop();
            assertArrayEquals(new float[] {8, 12, 18, 26}, read, 0f, "a timed op returns what the backend made");
            assertArrayEquals(before.toFloatArray(), m.toFloatArray(), 0f);   // after stop: not counted
            Map<String, Long> calls = p.rows().stream().collect(Collectors.toMap(OpProfile.Row::op, OpProfile.Row::calls));
            assertEquals(Map.of("matmul f32", 1L, "add f32", 1L, "toFloatArray f32", 1L), calls);
            assertTrue(p.report(10).contains("matmul f32"), p.report(10));
        }
        assertSame(CPU, a.backend(), "closing restores the thread's backend");
    }
}
