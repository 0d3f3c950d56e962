package dev.reel.models.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA against PEFT (testdata/wan21-tiny-lora, made by reel-models/device/peft_lora.py with PEFT on the fixture
 * transformer, fp32 CPU): PEFT's own file changes the output exactly as PEFT's forward does (unmerged, merged,
 * at half strength), and a file Reel saved is read by PEFT into the same output Reel computes.
 */
class LoraPeftParityTest {
    private static final double RTOL = 1e-5;
    private static Path dir;
    private static SafetensorsFile reference;
    @TempDir Path tmp;

    @BeforeAll
    static void open() {
        LoraAdaptersTest.locate();
        dir = TestFixtures.locate().root().resolveSibling("wan21-tiny-lora");
    }

    private static Tensor ref(String key) {
        if (reference == null) reference = SafetensorsFile.open(dir.resolve("peft_reference.safetensors"));
        return reference.load(key, DType.F32, Backends.cpu());
    }

    private static void assertClose(Tensor out, String key) {
        double err = Compare.relErr(out, ref(key));
        System.out.printf("LoRA vs PEFT %s: rel. error %.3g%n", key, err);
        assertTrue(err <= RTOL, key + ": relative error " + err + " > " + RTOL);
    }

    @Test
    void peftFileChangesTheOutputAsPeftDoes() {
        var m = LoraAdaptersTest.model();
        assertClose(LoraAdaptersTest.forward(m), "sample_base");
        Path peft = dir.resolve("peft/adapter_model.safetensors");
        var a = LoraAdapters.load(m, new LoraSpec(peft, 1f));
        assertTrue(a.adapters().get("blocks.1.attn1.to_q").rank() == 2, "rank_pattern: blocks.1.attn1.to_q has r = 2");
        assertClose(LoraAdaptersTest.forward(m), "sample_lora");
        a.detach();
        LoraAdapters.load(m, new LoraSpec(peft, 0.5f));
        assertClose(LoraAdaptersTest.forward(m), "sample_half");

        var merged = LoraAdaptersTest.model();
        LoraAdapters.apply(merged, List.of(new LoraSpec(peft, 1f)), true);
        assertClose(LoraAdaptersTest.forward(merged), "sample_merged");
    }

    @Test
    void fileSavedByReelIsReadByPeftToTheSameOutput() {
        var m = LoraAdaptersTest.model();
        LoraAdapters.load(m, new LoraSpec(dir.resolve("reel_lora.safetensors"), 1f));
        assertClose(LoraAdaptersTest.forward(m), "sample_reel_lora");
    }

    /**
     * reel_lora.safetensors is what {@link LoraAdaptersTest#trained} with seed 3 saves (rank 4, alpha 8, the
     * default targets): regenerated here byte for byte (with -Dreel.lora.regenerate=true it is rewritten).
     */
    @Test
    void reelFileIsReproducible() throws Exception {
        var m = LoraAdaptersTest.model();
        var a = LoraAdaptersTest.trained(m, new LoraConfig(4, 8, LoraConfig.DEFAULT_TARGETS), 3);
        Path target = dir.resolve("reel_lora.safetensors");
        if (Boolean.getBoolean("reel.lora.regenerate")) a.save(target);
        Path file = tmp.resolve("reel_lora.safetensors");
        a.save(file);
        assertArrayEquals(Files.readAllBytes(target), Files.readAllBytes(file));
    }
}
