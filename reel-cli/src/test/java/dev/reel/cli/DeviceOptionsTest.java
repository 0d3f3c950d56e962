package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.AttentionBackend;
import dev.reel.core.MemoryLevel;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The system parameters are read from flags into one SystemOptions, passed down in the generator options. */
class DeviceOptionsTest {
    private static DeviceOptions parse(String... args) {
        DeviceOptions o = new DeviceOptions();
        new CommandLine(o).parseArgs(args);
        return o;
    }

    @Test void flagsBecomeSystemOptions() {
        SystemOptions s = parse("--device", "cpu", "--attention", "flash", "--convolution", "im2col", "--cache-dir", "/tmp/reel-cache",
                "--library-path", "/opt/a:/opt/b").generatorOptions().system();
        assertEquals(new SystemOptions(AttentionBackend.FLASH, "im2col", Path.of("/tmp/reel-cache"), List.of(Path.of("/opt/a"), Path.of("/opt/b"))), s);
    }

    @Test void absentFlagsAreTheDefaults() {
        assertEquals(SystemOptions.defaults(), parse("--device", "cpu").generatorOptions().system());
    }

    @Test void unknownValuesNameTheFlagAndTheChoices() {
        var a = assertThrows(ReelException.class, () -> parse("--device", "cpu", "--attention", "magic").generatorOptions());
        assertTrue(a.getMessage().contains("auto, sdpa, flash"), a.getMessage());
        var c = assertThrows(ReelException.class, () -> parse("--device", "cpu", "--convolution", "fft").generatorOptions());
        assertEquals("--convolution 'fft' is not known; allowed: auto, im2col", c.getMessage());
        var m = assertThrows(ReelException.class, () -> parse("--device", "cpu", "--memory-level", "4").generatorOptions());
        assertTrue(m.getMessage().startsWith("--memory-level: memory level 4 is not known; allowed: 0 (everything resident), 1 ("), m.getMessage());
    }

    @Test void sixteenBitTransformerOrVaeOnTheCpuIsRefusedBeforeLoading() {
        var t = assertThrows(ReelException.class, () -> parse("--device", "cpu", "--dtype", "bf16").generatorOptions());
        assertTrue(t.getMessage().startsWith("--dtype bf16 is not supported on the CPU"), t.getMessage());
        var v = assertThrows(ReelException.class, () -> parse("--device", "cpu", "--vae-dtype", "bf16").generatorOptions());
        assertTrue(v.getMessage().startsWith("--vae-dtype bf16 is not supported on the CPU: the CPU decodes in fp32; use --vae-dtype fp32"), v.getMessage());
        assertEquals(dev.reel.core.DType.BF16, parse("--device", "cpu", "--text-encoder-dtype", "bf16").generatorOptions().textEncoderDtype());
    }

    @Test void memoryLevelIsASystemOption() {
        assertEquals(MemoryLevel.DIT_STREAMING, parse("--device", "cpu", "--memory-level", "3").generatorOptions().system().memoryLevel());
        assertEquals(MemoryLevel.RESIDENT, parse("--device", "cpu").generatorOptions().system().memoryLevel());
    }
}
