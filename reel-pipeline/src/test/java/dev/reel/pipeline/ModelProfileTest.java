package dev.reel.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.FileOps;
import dev.reel.models.nn.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code example_prompts} in a model's reel_defaults.json: read beside the request defaults, checked, optional. */
class ModelProfileTest {
    @Test void examplePromptsAreReadCheckedAndOptional() throws Exception {
        Path dir = DemoConfigs.unpack();
        try {
            ModelProfile demo = ModelProfile.read(dir);
            assertEquals(6, demo.examplePrompts().size());
            assertTrue(demo.examplePrompts().contains("a red circle moves to the left on a blue background"), demo.examplePrompts().toString());
            assertEquals(192, demo.defaults().height(), "the other defaults are still read");

            Path file = dir.resolve(ModelProfile.DEFAULTS_FILE);
            Files.writeString(file, "{\"height\": 64, \"example_prompts\": [\"a\", \"b\"]}");
            assertEquals(List.of("a", "b"), ModelProfile.read(dir).examplePrompts());
            Files.writeString(file, "{\"height\": 64}");
            assertEquals(List.of(), ModelProfile.read(dir).examplePrompts());
            Files.writeString(file, "{\"example_prompts\": [\"a\", 3]}");
            ConfigException bad = assertThrows(ConfigException.class, () -> ModelProfile.read(dir));
            assertTrue(bad.getMessage().contains("\"example_prompts\"") && bad.getMessage().contains("an array of strings"), bad.getMessage());
            Files.writeString(file, "{\"example_prompts\": [\" \"]}");
            assertTrue(assertThrows(ConfigException.class, () -> ModelProfile.read(dir)).getMessage().contains("empty prompt"));
        } finally {
            FileOps.deleteTreeQuietly(dir);
        }
    }
}
