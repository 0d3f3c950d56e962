package dev.reel.models.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.Compare;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.nn.Linear;
import dev.reel.models.wan.WanTransformer3DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LoRA on the fixture transformer: fresh adapters, save → load round trip, merging, key/shape errors. */
class LoraAdaptersTest {
    private static FixtureSet fixtures;
    @TempDir Path tmp;

    @BeforeAll
    static void locate() { fixtures = TestFixtures.locate(); }

    static WanTransformer3DModel model() {
        return WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
    }

    static Tensor forward(WanTransformer3DModel m) {
        return m.forward(fixtures.tensor("transformer", "hidden_states"), fixtures.tensor("transformer", "timestep").toFloatArray(),
                fixtures.tensor("transformer", "encoder_hidden_states"));
    }

    /** Adapters with lora_B moved off zero, as after some training. */
    static LoraAdapters trained(WanTransformer3DModel m, LoraConfig config, long seed) {
        LoraAdapters a = LoraAdapters.create(m, config, seed, DType.F32, Backends.cpu());
        SplittableRandom rnd = new SplittableRandom(seed + 1);
        a.adapters().values().forEach(l -> {
            int[] s = l.loraB.weight.shape();
            float[] v = new float[s[0] * s[1]];
            for (int i = 0; i < v.length; i++) v[i] = (float) rnd.nextDouble(-0.3, 0.3);
            l.loraB.weight.set(Backends.cpu().fromFloats(v, DType.F32, s));
        });
        return a;
    }

    @Test
    void targetsSelectWholeSegments() {
        var m = model();
        var ffn = LoraTargets.select(m, List.of("ffn"));
        assertEquals(List.of("blocks.0.ffn.net.0.proj", "blocks.0.ffn.net.2", "blocks.1.ffn.net.0.proj", "blocks.1.ffn.net.2"), List.copyOf(ffn.keySet()));
        var out = LoraTargets.select(m, List.of("to_out.0", "attn2.to_q"));
        assertEquals(List.of("blocks.0.attn1.to_out.0", "blocks.0.attn2.to_q", "blocks.0.attn2.to_out.0",
                "blocks.1.attn1.to_out.0", "blocks.1.attn2.to_q", "blocks.1.attn2.to_out.0"), List.copyOf(out.keySet()));
        assertFalse(LoraTargets.matches("blocks.0.attn1.to_qx", "to_q"));
        var e = assertThrows(LoraException.class, () -> LoraTargets.select(m, List.of("to_q", "to_query")));
        assertTrue(e.getMessage().contains("[to_query]"), e.getMessage());
    }

    @Test
    void freshAdaptersLeaveTheOutputUnchangedAndCountAsParameters() {
        var m = model();
        Tensor base = forward(m);
        var a = LoraAdapters.create(m, new LoraConfig(4, 8, LoraConfig.DEFAULT_TARGETS), 7, DType.F32, Backends.cpu());
        assertEquals(2 * 10, a.adapters().size());   // per block: to_q/k/v/out.0 of attn1 and attn2, and the two ffn linears
        assertTrue(Compare.relErr(forward(m), base) < 1e-6);   // B = 0 (not bit-exact: see mergedAndUnmerged…)
        assertTrue(a.trainableParameters().containsKey("blocks.0.attn1.to_q.lora_A.weight"));
        assertArrayEquals(new int[] {4, 24}, a.trainableParameters().get("blocks.0.attn1.to_q.lora_A.weight").shape());
        assertArrayEquals(new int[] {24, 4}, a.trainableParameters().get("blocks.0.attn1.to_q.lora_B.weight").shape());
    }

    @Test
    void saveThenLoadGivesTheSameOutputs() throws Exception {
        var m = model();
        Tensor base = forward(m);
        var a = trained(m, new LoraConfig(4, 8, LoraConfig.DEFAULT_TARGETS), 3);
        Tensor adapted = forward(m);
        assertTrue(Compare.relErr(adapted, base) > 1e-2, "the adapters must change the output");
        Path file = tmp.resolve("lora.safetensors");
        a.save(file);
        try (var f = SafetensorsFile.open(file)) {
            assertTrue(f.keys().contains("transformer.blocks.1.ffn.net.2.lora_B.weight"), f.keys().toString());
            assertTrue(f.metadata().get("lora_adapter_metadata").contains("\"transformer.lora_alpha\" : 8.0"), f.metadata().toString());
        }
        var fresh = model();
        var loaded = LoraAdapters.load(fresh, new LoraSpec(file, 1f));
        assertEquals(a.adapters().keySet(), loaded.adapters().keySet());
        a.adapters().forEach((name, l) -> {
            LoraLinear r = loaded.adapters().get(name);
            assertEquals(l.scale(), r.scale(), name);
            assertArrayEquals(l.loraA.weight.get().toFloatArray(), r.loraA.weight.get().toFloatArray(), name);
            assertArrayEquals(l.loraB.weight.get().toFloatArray(), r.loraB.weight.get().toFloatArray(), name);
        });
        assertTrue(Compare.relErr(forward(fresh), adapted) < 1e-6);
    }

    @Test
    void mergedAndUnmergedAgreeAndDetachRestores() throws Exception {
        var m = model();
        Tensor base = forward(m);
        var a = trained(m, new LoraConfig(2, 3, List.of("to_q", "to_v", "ffn", "proj_out", "time_proj")), 5);
        Tensor unmerged = forward(m);
        a.detach();
        // not bit-exact: the CPU kernels' rounding varies with where buffers land (≈1e-7 after other ops ran)
        assertTrue(Compare.relErr(forward(m), base) < 1e-6);
        Path file = tmp.resolve("l.safetensors");
        a.save(file);
        var merged = model();
        LoraAdapters.apply(merged, List.of(new LoraSpec(file, 1f)), true);
        assertTrue(merged.blocks.get(0).attn1.toQ.adapters().isEmpty());
        double err = Compare.relErr(forward(merged), unmerged);
        assertTrue(err < 1e-5, "merged vs unmerged " + err);
        assertThrows(LoraException.class, a::merge);
    }

    @Test
    void strengthScalesTheAdapterAndPrefixesAreOptional() throws Exception {
        var m = model();
        Tensor base = forward(m);
        var a = trained(m, new LoraConfig(4, 4, List.of("to_k", "to_out.0")), 11);
        Tensor full = forward(m);
        a.detach();
        Path file = tmp.resolve("full.safetensors");
        a.save(file);
        // the same weights without the component prefix, with PEFT's prefix, and with kohya-style .alpha keys (alpha 4 = r: scale 1)
        Map<String, Tensor> plain = new LinkedHashMap<>(), peft = new LinkedHashMap<>();
        try (var f = SafetensorsFile.open(file)) {
            for (String k : f.keys()) {
                Tensor t = f.load(k, DType.F32, Backends.cpu());
                String module = k.substring("transformer.".length());
                plain.put(module, t);
                peft.put("base_model.model." + module, t);
                if (k.endsWith("lora_A.weight")) plain.put(module.replace(".lora_A.weight", ".alpha"), Backends.cpu().fromFloats(new float[] {4f}, DType.F32));
            }
        }
        for (Map<String, Tensor> variant : List.of(plain, peft)) {
            Path v = tmp.resolve("v" + variant.size() + ".safetensors");
            SafetensorsWriter.write(v, variant);
            var fresh = model();
            var loaded = LoraAdapters.load(fresh, new LoraSpec(v, 1f));
            assertTrue(Compare.relErr(forward(fresh), full) < 1e-6, v.toString());
            loaded.detach();
        }
        var zero = model();
        LoraAdapters.load(zero, LoraSpec.parse(file + ":0"));
        assertTrue(Compare.relErr(forward(zero), base) < 1e-6);
    }

    @Test
    void keysThatFitNoModuleAreNamed() throws Exception {
        Tensor a = Backends.cpu().fromFloats(new float[2 * 24], DType.F32, 2, 24);
        Tensor b = Backends.cpu().fromFloats(new float[24 * 2], DType.F32, 24, 2);
        Path unknown = tmp.resolve("unknown.safetensors");
        SafetensorsWriter.write(unknown, Map.of("transformer.blocks.7.attn1.to_q.lora_A.weight", a, "transformer.blocks.7.attn1.to_q.lora_B.weight", b));
        var e = assertThrows(LoraException.class, () -> LoraAdapters.load(model(), new LoraSpec(unknown, 1f)));
        assertTrue(e.getMessage().contains("'transformer.blocks.7.attn1.to_q.lora_A.weight'") && e.getMessage().contains("not a linear"), e.getMessage());

        Path shape = tmp.resolve("shape.safetensors");
        Tensor wide = Backends.cpu().fromFloats(new float[2 * 32], DType.F32, 2, 32);
        SafetensorsWriter.write(shape, Map.of("blocks.0.attn1.to_q.lora_A.weight", wide, "blocks.0.attn1.to_q.lora_B.weight", b));
        var m = model();
        e = assertThrows(LoraException.class, () -> LoraAdapters.load(m, new LoraSpec(shape, 1f)));
        assertTrue(e.getMessage().contains("'blocks.0.attn1.to_q.lora_A.weight'") && e.getMessage().contains("32 → 24"), e.getMessage());
        for (Linear l : LoraTargets.linears(m).values()) assertTrue(l.adapters().isEmpty(), "nothing is attached after an error");

        Path noB = tmp.resolve("nob.safetensors");
        SafetensorsWriter.write(noB, Map.of("blocks.0.attn1.to_q.lora_A.weight", a));
        e = assertThrows(LoraException.class, () -> LoraAdapters.load(model(), new LoraSpec(noB, 1f)));
        assertTrue(e.getMessage().contains("no matching 'blocks.0.attn1.to_q.lora_B.weight'"), e.getMessage());

        Path other = tmp.resolve("other.safetensors");
        SafetensorsWriter.write(other, Map.of("blocks.0.attn1.to_q.lora_down.weight", a));
        e = assertThrows(LoraException.class, () -> LoraAdapters.load(model(), new LoraSpec(other, 1f)));
        assertTrue(e.getMessage().contains("'blocks.0.attn1.to_q.lora_down.weight'") && e.getMessage().contains("kohya"), e.getMessage());

        Path notThere = tmp.resolve("missing.safetensors");
        e = assertThrows(LoraException.class, () -> LoraAdapters.load(model(), new LoraSpec(notThere, 1f)));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        Files.writeString(tmp.resolve("junk.safetensors"), "not a safetensors file");
        e = assertThrows(LoraException.class, () -> LoraAdapters.load(model(), new LoraSpec(tmp.resolve("junk.safetensors"), 1f)));
        assertTrue(e.getMessage().contains("not a readable safetensors file"), e.getMessage());
    }

    @Test
    void specParsesAnOptionalScale() {
        assertEquals(new LoraSpec(Path.of("a/b.safetensors"), 1f), LoraSpec.parse("a/b.safetensors"));
        assertEquals(new LoraSpec(Path.of("a/b.safetensors"), 0.75f), LoraSpec.parse("a/b.safetensors:0.75"));
        assertEquals(new LoraSpec(Path.of("C:/x.safetensors"), 1f), LoraSpec.parse("C:/x.safetensors"));
        assertThrows(LoraException.class, () -> LoraSpec.parse("b.safetensors:1.2.3"));
    }
}
