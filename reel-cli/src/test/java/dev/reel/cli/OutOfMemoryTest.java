package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DeviceOutOfMemoryException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Running out of memory is one message with what failed, what was free and what to try; never a stack trace. */
class OutOfMemoryTest {
    @Test
    void aTensorThatDoesNotFitSaysWhatToTry() {
        var cpu = new DeviceOutOfMemoryException("CPU out of memory: could not allocate 8.0 GiB for a F32 tensor", 8L << 30);
        List<String> lines = ReelCli.Failures.message(new RuntimeException("wrapped", cpu)).lines().toList();
        assertEquals("CPU out of memory: could not allocate 8.0 GiB for a F32 tensor", lines.get(0));
        assertTrue(lines.get(1).startsWith("  try: a larger heap (REEL_HEAP=48g"), lines.get(1));

        var gpu = new dev.reel.cuda.CudaOutOfMemoryException("CUDA out of memory on cuda:0 (H200): could not allocate 2.0 GiB; the device has 1.0 GiB free of 139.8 GiB", 2L << 30);
        assertTrue(ReelCli.Failures.message(gpu).contains("\n  try: --dtype bf16, --text-encoder-dtype bf16, --vae-dtype bf16"), ReelCli.Failures.message(gpu));

        String heap = ReelCli.Failures.message(new OutOfMemoryError("Java heap space"));
        assertTrue(heap.startsWith("out of memory (Java heap space): the Java heap uses ") && heap.contains("  try: a larger heap"), heap);
    }
}
