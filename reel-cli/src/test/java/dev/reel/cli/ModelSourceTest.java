package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSourceTest {
    @TempDir Path home;
    private final String before = System.getProperty(ModelSource.HOME_PROPERTY);

    @AfterEach void restore() {
        if (before == null) System.clearProperty(ModelSource.HOME_PROPERTY);
        else System.setProperty(ModelSource.HOME_PROPERTY, before);
    }

    @Test void demoIsTheRandomPipelineUntilTheTrainedWeightsAreInstalled() throws Exception {
        System.setProperty(ModelSource.HOME_PROPERTY, home.toString());
        Path demo = home.resolve("models/reel-demo");
        Files.createDirectories(demo.resolve("transformer"));
        Files.writeString(demo.resolve("model_index.json"), "{}");   // a recipe folder without weights is not a model
        assertNull(ModelSource.trainedDemo());
        assertTrue(ModelSource.isRandomDemo("demo"));

        Files.write(demo.resolve("transformer/diffusion_pytorch_model.safetensors"), new byte[8]);
        assertEquals(demo, ModelSource.trainedDemo());
        assertFalse(ModelSource.isRandomDemo("demo"));
        assertEquals(demo, ModelSource.local("demo"));
        assertTrue(ModelSource.isRandomDemo("demo-random"), "the random demo stays reachable");
        assertEquals(Path.of("some/folder"), ModelSource.local("some/folder"));
    }

    @Test void withoutAnInstallationRootDemoIsRandom() {
        System.clearProperty(ModelSource.HOME_PROPERTY);
        assertNull(ModelSource.trainedDemo());
        assertTrue(ModelSource.isRandomDemo("demo"));
    }
}
