package dev.reel.models.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.models.wan.AutoencoderKLWan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading a damaged Diffusers component folder gives one clear error per problem, naming it. */
class LoadErrorsTest {
    private static final String WEIGHTS = "diffusion_pytorch_model.safetensors";

    @TempDir Path tmp;

    /** Copies the fixture VAE folder, letting {@code edit} change its tensors before they are written. */
    private Path damagedVae(Consumer<Map<String, Tensor>> edit) throws IOException {
        Path src = TestFixtures.locate().pipelineDir().resolve("vae");
        Path dst = Files.createDirectories(tmp.resolve("vae"));
        Files.copy(src.resolve("config.json"), dst.resolve("config.json"));
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        try (SafetensorsFile f = SafetensorsFile.open(src.resolve(WEIGHTS))) {
            for (String k : f.keys()) tensors.put(k, f.load(k, DType.F32, Backends.cpu()));
        }
        edit.accept(tensors);
        SafetensorsWriter.write(dst.resolve(WEIGHTS), tensors);
        return dst;
    }

    private static WeightMismatchException loadFails(Path folder) {
        return assertThrows(WeightMismatchException.class, () -> AutoencoderKLWan.load(folder, DType.F32, Backends.cpu()));
    }

    @Test void missingWeightIsNamed() throws IOException {
        WeightMismatchException e = loadFails(damagedVae(t -> t.remove("decoder.conv_out.bias")));
        assertEquals(List.of("decoder.conv_out.bias"), e.missing());
        assertTrue(e.unexpected().isEmpty() && e.wrongShape().isEmpty());
        assertTrue(e.getMessage().contains("missing (1): decoder.conv_out.bias"), e.getMessage());
    }

    @Test void unexpectedWeightIsNamed() throws IOException {
        WeightMismatchException e = loadFails(damagedVae(t -> t.put("decoder.extra.weight", Backends.cpu().zeros(DType.F32, 2, 2))));
        assertEquals(List.of("decoder.extra.weight"), e.unexpected());
        assertTrue(e.missing().isEmpty() && e.wrongShape().isEmpty());
        assertTrue(e.getMessage().contains("unexpected (1): decoder.extra.weight"), e.getMessage());
    }

    @Test void wrongShapeIsNamedWithBothShapes() throws IOException {
        WeightMismatchException e = loadFails(damagedVae(t -> {
            int[] s = t.get("decoder.conv_out.bias").shape();
            t.put("decoder.conv_out.bias", Backends.cpu().zeros(DType.F32, s[0] + 1));
        }));
        assertEquals(1, e.wrongShape().size());
        assertTrue(e.wrongShape().get(0).startsWith("decoder.conv_out.bias: expected [3], found [4]"), e.wrongShape().get(0));
        assertTrue(e.missing().isEmpty() && e.unexpected().isEmpty());
    }

    @Test void allProblemsAreReportedTogether() throws IOException {
        WeightMismatchException e = loadFails(damagedVae(t -> {
            t.remove("decoder.conv_out.bias");
            t.put("decoder.extra.weight", Backends.cpu().zeros(DType.F32, 1));
            t.put("decoder.conv_out.weight", Backends.cpu().zeros(DType.F32, 1));
        }));
        assertEquals(1, e.missing().size());
        assertEquals(1, e.unexpected().size());
        assertEquals(1, e.wrongShape().size());
    }

    @Test void brokenConfigJsonNamesTheFile() throws IOException {
        Path folder = damagedVae(t -> { });
        Files.writeString(folder.resolve("config.json"), "{\"_class_name\": \"AutoencoderKLWan\", \"base_dim\": ");
        ConfigException e = assertThrows(ConfigException.class, () -> AutoencoderKLWan.load(folder, DType.F32, Backends.cpu()));
        assertTrue(e.getMessage().contains("config.json") && e.getMessage().contains("invalid JSON"), e.getMessage());
    }

    @Test void configKeyOfWrongTypeIsNamed() throws IOException {
        Path folder = damagedVae(t -> { });
        String json = Files.readString(folder.resolve("config.json")).replaceFirst("\"z_dim\": *16", "\"z_dim\": \"sixteen\"");
        Files.writeString(folder.resolve("config.json"), json);
        ConfigException e = assertThrows(ConfigException.class, () -> AutoencoderKLWan.load(folder, DType.F32, Backends.cpu()));
        assertTrue(e.getMessage().contains("\"z_dim\"") && e.getMessage().contains("expected an integer"), e.getMessage());
    }
}
