package dev.reel.cli;

import static dev.reel.cli.GenerateCommandTest.model;
import static dev.reel.cli.GenerateCommandTest.reel;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code reel train} on the fixture pipeline: checkpoints that {@code reel generate} loads, exact resume, the log. */
class TrainCommandTest {
    @TempDir Path dir;

    /** Two samples of the fixture model's sizes (latents 16×3×8×8, 7 text tokens), random. */
    private Path data() {
        Backend cpu = Backends.cpu();
        java.util.Random rnd = new java.util.Random(5);
        float[] l = new float[2 * 16 * 3 * 8 * 8], t = new float[2 * 7 * 32];
        for (int i = 0; i < l.length; i++) l[i] = (float) rnd.nextGaussian();
        for (int i = 0; i < t.length; i++) t[i] = (float) rnd.nextGaussian();
        Path f = dir.resolve("latents.safetensors");
        SafetensorsWriter.write(f, Map.of("latents", cpu.fromFloats(l, DType.F32, 2, 16, 3, 8, 8), "text", cpu.fromFloats(t, DType.F32, 2, 7, 32)));
        return f;
    }

    @Test void trainsWritesLoadableCheckpointsAndResumesExactly() throws Exception {
        Path data = data(), out = dir.resolve("run");
        GenerateCommandTest.Run r = reel("train", "--model", model(), "--data", data.toString(), "--output", out.toString(), "--steps", "3",
                "--checkpoint-every", "2", "--lr", "1e-3", "--device", "cpu", "--seed", "3",
                "--validate-every", "3", "--prompt", "a fox", "--validation-frames", "5", "--validation-height", "32", "--validation-width", "32",
                "--validation-steps", "2");
        System.out.println(r.out());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("step 3/3  loss "), r.out());
        Path c2 = out.resolve("checkpoint-000002"), c3 = out.resolve("checkpoint-000003");
        assertTrue(Files.exists(c3.resolve("transformer/diffusion_pytorch_model.safetensors")));
        assertTrue(Files.exists(c3.resolve("model_index.json")) && Files.isDirectory(c3.resolve("vae")), "a whole pipeline folder");
        assertEquals(4, Files.readAllLines(out.resolve("loss.csv")).size(), "header and three steps");
        assertEquals(900, ImageIO.read(out.resolve("loss.png").toFile()).getWidth());

        Path resumed = dir.resolve("resumed");
        r = reel("train", "--model", model(), "--data", data.toString(), "--output", resumed.toString(), "--steps", "3",
                "--lr", "1e-3", "--device", "cpu", "--seed", "3", "--resume", c2.toString());
        assertEquals(0, r.exit(), r.err());
        try (SafetensorsFile a = SafetensorsFile.open(c3.resolve("transformer/diffusion_pytorch_model.safetensors"));
             SafetensorsFile b = SafetensorsFile.open(resumed.resolve("checkpoint-000003/transformer/diffusion_pytorch_model.safetensors"))) {
            for (String k : a.keys()) {
                assertArrayEquals(a.load(k, DType.F32, Backends.cpu()).toFloatArray(), b.load(k, DType.F32, Backends.cpu()).toFloatArray(), 0f, k);
            }
        }

        // the validation video was sampled by `reel generate`'s VideoGenerator from checkpoint-000003's folder
        assertTrue(Files.size(out.resolve("validation-000003.mp4")) > 0);
    }

    @Test void aBadFlagNamesItAndWritesNothing() {
        Path out = dir.resolve("never");
        GenerateCommandTest.Run r = reel("train", "--model", model(), "--data", data().toString(), "--output", out.toString(), "--steps", "0", "--device", "cpu");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("--steps must be > 0, got 0"), r.err());
        assertFalse(Files.exists(out));
    }
}
