package dev.reel.models.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.DType;
import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.SystemOptions;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineComponentsTest {
    static final Path PIPELINE = TestFixtures.locate().pipelineDir();

    @TempDir Path dir;

    @Test
    void modelIndexListsTheUsedComponents() {
        ModelIndex index = ModelIndex.read(PIPELINE);
        assertEquals("WanPipeline", index.pipelineClass());
        assertEquals(List.of("scheduler", "text_encoder", "tokenizer", "transformer", "vae"), index.components().stream().map(ModelIndex.Component::name).toList());
        assertEquals("UMT5EncoderModel", index.component("text_encoder").className());
        var e = assertThrows(ConfigException.class, () -> index.component("transformer_2"));
        assertTrue(e.getMessage().contains("no component \"transformer_2\""), e.getMessage());
    }

    @Test
    void loadsEveryComponentAsItsClassInTheChosenDtype() {
        try (PipelineComponents c = PipelineComponents.load(PIPELINE, new LoadOptions(Device.CPU, DType.F32, DType.BF16, DType.F16, SystemOptions.defaults()))) {
            assertEquals(DType.F32, c.get("transformer", WanTransformer3DModel.class).dtype());
            assertEquals(DType.F16, c.get("vae", AutoencoderKLWan.class).dtype());
            assertEquals(DType.BF16, c.get("text_encoder", UMT5EncoderModel.class).shared.weight.get().dtype());
            assertEquals(3, c.get("vae", AutoencoderKLWan.class).config().inChannels());
            assertEquals("UniPCMultistepScheduler", c.get("scheduler", SchedulerFolder.class).className());
            assertEquals(62_477, c.parameterCount());
            var wrong = assertThrows(ReelException.class, () -> c.get("vae", WanTransformer3DModel.class));
            assertTrue(wrong.getMessage().contains("is a AutoencoderKLWan, expected WanTransformer3DModel"), wrong.getMessage());
        }
    }

    @Test
    void randomWeightsAreSeededAndDifferPerSeed() {
        LoadOptions o = LoadOptions.cpu();
        try (PipelineComponents a = PipelineComponents.random(PIPELINE, o, 1, Map.of(), java.util.Set.of());
             PipelineComponents b = PipelineComponents.random(PIPELINE, o, 1, Map.of(), java.util.Set.of());
             PipelineComponents c = PipelineComponents.random(PIPELINE, o, 2, Map.of(), java.util.Set.of())) {
            float[] wa = a.get("transformer", WanTransformer3DModel.class).projOut.weight.get().toFloatArray();
            float[] wb = b.get("transformer", WanTransformer3DModel.class).projOut.weight.get().toFloatArray();
            float[] wc = c.get("transformer", WanTransformer3DModel.class).projOut.weight.get().toFloatArray();
            assertTrue(a.randomWeights());
            assertEquals(java.util.Arrays.toString(wa), java.util.Arrays.toString(wb));
            assertNotEquals(java.util.Arrays.toString(wa), java.util.Arrays.toString(wc));
        }
    }

    @Test
    void unknownClassesNameTheSupportedOnes() throws Exception {
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"WanPipeline\", \"vae\": [\"diffusers\", \"AutoencoderKLHunyuanVideo\"]}");
        Files.createDirectories(dir.resolve("vae"));
        var e = assertThrows(UnknownComponentException.class, () -> PipelineComponents.load(dir, LoadOptions.cpu()));
        assertEquals("AutoencoderKLHunyuanVideo", e.className());
        assertTrue(e.supported().containsAll(List.of("WanTransformer3DModel", "AutoencoderKLWan", "UMT5EncoderModel", "UniPCMultistepScheduler")));
        assertTrue(e.getMessage().contains("component \"vae\": class \"AutoencoderKLHunyuanVideo\" is not supported; supported classes: "), e.getMessage());
    }

    @Test
    void aTransformersArchitectureResolvesAnUnknownIndexClass() throws Exception {
        Path te = Files.createDirectories(dir.resolve("text_encoder"));
        Files.copy(PIPELINE.resolve("text_encoder/config.json"), te.resolve("config.json"));
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"WanPipeline\", \"text_encoder\": [\"transformers\", \"SomeAutoModel\"]}");
        ModelIndex index = ModelIndex.read(dir);
        assertEquals("UMT5EncoderModel", ModelRegistry.standard().resolve(index, index.component("text_encoder")).className());
    }

    @Test
    void aSchedulerOverrideKeepsTheConfiguredFlowShift() {
        SchedulerFolder unipc = SchedulerFolder.open(PIPELINE.resolve("scheduler"));
        var euler = unipc.create("FlowMatchEulerDiscreteScheduler", null);
        euler.setTimesteps(10);
        var reference = dev.reel.models.schedulers.Schedulers.fromConfig("FlowMatchEulerDiscreteScheduler",
                dev.reel.models.nn.ConfigJson.of("test", new com.fasterxml.jackson.databind.ObjectMapper().createObjectNode().put("shift", 3.0)), null);
        reference.setTimesteps(10);
        assertEquals(java.util.Arrays.toString(reference.sigmas()), java.util.Arrays.toString(euler.sigmas()));
        var shifted = unipc.create(null, 5.0);
        shifted.setTimesteps(10);
        var plain = unipc.create(null, null);
        plain.setTimesteps(10);
        assertTrue(shifted.sigmas()[5] > plain.sigmas()[5], "a larger shift keeps more noise mid-schedule");
    }

    @Test
    void missingFoldersAndIndexesAreNamed() {
        var e = assertThrows(ConfigException.class, () -> ModelIndex.read(dir));
        assertTrue(e.getMessage().contains("model_index.json: file not found"), e.getMessage());
    }

    @Test
    void describeCountsParametersFromConfigsAndDtypesFromHeaders() {
        List<ComponentInfo> infos = ComponentInfo.describe(PIPELINE);
        ComponentInfo t = infos.stream().filter(i -> i.name().equals("transformer")).findFirst().orElseThrow();
        assertEquals(28_328, t.parameters());
        assertEquals(Map.of(DType.F32, 28_328L), t.storedDtypes());
    }
}
