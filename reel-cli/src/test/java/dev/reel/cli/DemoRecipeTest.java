package dev.reel.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.safetensors.SafetensorsFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo model's recipe ({@code models/reel-demo/recipe/train.sh}) with reel commands at a toy size: dataset,
 * {@code init} from the recipe's configs, {@code train-vae}, {@code preprocess} into Parquet, {@code train} on it
 * with {@code --export}, and {@code generate} from the export — each step's output feeds the next as in the recipe.
 */
class DemoRecipeTest {
    @TempDir Path dir;

    private static Path configs() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models/reel-demo/recipe/configs"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("models/reel-demo/recipe/configs not found above " + Path.of("").toAbsolutePath());
        return p.resolve("models/reel-demo/recipe/configs");
    }

    @Test void everyStageRunsAndFeedsTheNext() throws Exception {
        Path data = dir.resolve("data"), init = dir.resolve("init"), vae = dir.resolve("vae"), parquet = dir.resolve("train.parquet");
        Path dit = dir.resolve("dit"), export = dir.resolve("export"), mp4 = dir.resolve("x.mp4");
        ok(GenerateCommandTest.reel("dataset", "shapes", "--output", data.toString(), "--count", "3", "--frames", "5", "--height", "32", "--width", "32", "--seed", "1"));
        assertTrue(Files.isRegularFile(data.resolve("tokenizer/tokenizer.json")), "the dataset fits a tokenizer to its captions");
        ok(GenerateCommandTest.reel("init", "--configs", configs().toString(), "--tokenizer", data.resolve("tokenizer").toString(), "--output", init.toString()));
        var again = GenerateCommandTest.reel("init", "--configs", configs().toString(), "--output", init.toString());
        assertEquals(1, again.exit(), "init never overwrites a model");
        assertTrue(again.err().contains("exists and is not empty"), again.err());

        ok(GenerateCommandTest.reel("train-vae", "--model", init.toString(), "--videos", data.resolve("captions.csv").toString(), "--output", vae.toString(),
                "--steps", "2", "--image-every", "2", "--batch-size", "1", "--frames", "5", "--clip-frames", "5", "--crop", "16", "--height", "32", "--width", "32",
                "--stat-clips", "2", "--device", "cpu"));
        JsonNode vc = new ObjectMapper().readTree(vae.resolve("vae/config.json").toFile());
        assertEquals(16, vc.path("latents_std").size());
        assertFalse(vc.path("latents_std").get(0).asDouble() == 1.0, "train-vae measured the latent statistics");
        assertTrue(Files.isRegularFile(vae.resolve("loss.png")) && Files.isRegularFile(vae.resolve("transformer/diffusion_pytorch_model.safetensors")));

        // --decoder-only: the encoder (so every latent a DiT was trained on) and the latent statistics stay bit for bit
        Path dec = dir.resolve("vae-decoder");
        var decRun = GenerateCommandTest.reel("train-vae", "--model", vae.toString(), "--videos", data.resolve("captions.csv").toString(), "--output", dec.toString(),
                "--steps", "2", "--batch-size", "1", "--frames", "5", "--clip-frames", "5", "--crop", "16", "--height", "32", "--width", "32", "--lr", "1e-2",
                "--decoder-only", "--device", "cpu");
        ok(decRun);
        assertTrue(decRun.out().contains("of them trained (the decoder)"), decRun.out());
        assertEquals(vc.path("latents_mean"), new ObjectMapper().readTree(dec.resolve("vae/config.json").toFile()).path("latents_mean"));
        try (SafetensorsFile before = SafetensorsFile.open(vae.resolve("vae/diffusion_pytorch_model.safetensors"));
             SafetensorsFile after = SafetensorsFile.open(dec.resolve("vae/diffusion_pytorch_model.safetensors"))) {
            assertEquals(before.keys(), after.keys());
            int changed = 0;
            for (String key : before.keys()) {
                boolean same = before.segment(key).mismatch(after.segment(key)) == -1;
                if (key.startsWith("encoder.") || key.startsWith("quant_conv.")) assertTrue(same, key + " is frozen");
                else if (!same) changed++;
            }
            assertTrue(changed > 10, "the decoder trained: " + changed + " tensors changed");
        }

        ok(GenerateCommandTest.reel("preprocess", "--videos", data.resolve("captions.csv").toString(), "--model", vae.toString(), "--output", parquet.toString(),
                "--frames", "5", "--height", "32", "--width", "32", "--max-sequence-length", "32", "--device", "cpu"));
        var train = GenerateCommandTest.reel("train", "--model", vae.toString(), "--data", parquet.toString(), "--output", dit.toString(), "--export", export.toString(),
                "--steps", "2", "--batch-size", "2", "--lr", "1e-4", "--ema-decay", "0.9", "--device", "cpu");
        ok(train);
        assertTrue(train.out().contains("text length 32"), train.out());
        assertTrue(Files.isRegularFile(export.resolve("reel_defaults.json")), "the export keeps the request defaults");
        assertFalse(Files.isSymbolicLink(export.resolve("vae")), "the export is self-contained");
        assertFalse(Files.exists(export.resolve("training_state.safetensors")));

        var loraRun = GenerateCommandTest.reel("train", "--model", vae.toString(), "--data", parquet.toString(), "--output", dir.resolve("lora").toString(),
                "--steps", "2", "--batch-size", "2", "--lr", "1e-3", "--lora-rank", "2", "--device", "cpu");
        ok(loraRun);
        assertTrue(loraRun.out().contains("LoRA rank 2 on "), loraRun.out());
        Path loraFile = dir.resolve("lora/checkpoint-000002/pytorch_lora_weights.safetensors");
        assertTrue(Files.isRegularFile(loraFile), "a LoRA run's checkpoint holds its adapters in the Diffusers/PEFT format");
        ok(GenerateCommandTest.reel("generate", "--model", dir.resolve("lora/checkpoint-000002").toString(), "--lora", loraFile.toString(),
                "--height", "32", "--width", "32", "--frames", "5", "--steps", "1", "--output", dir.resolve("lora.mp4").toString(), "--device", "cpu",
                "--prompt", "a red circle"));

        // --train-text-encoder: the captions encoded in the step, the encoder in the checkpoints and the export, an exact resume
        Path te = dir.resolve("te"), teExport = dir.resolve("te-export");
        String[] teArgs = {"train", "--model", vae.toString(), "--data", parquet.toString(), "--steps", "2", "--batch-size", "2", "--lr", "1e-2",
                "--checkpoint-every", "1", "--train-text-encoder", "--seed", "4", "--device", "cpu"};
        var teRun = GenerateCommandTest.reel(concat(teArgs, "--output", te.toString(), "--export", teExport.toString(), "--ema-decay", "0.5"));
        ok(teRun);
        assertTrue(teRun.out().contains("text encoder ") && teRun.out().contains(" trained too"), teRun.out());
        Path teCheckpoint = te.resolve("checkpoint-000002");
        assertFalse(Files.isSymbolicLink(teCheckpoint.resolve("text_encoder")), "the checkpoint holds its own text encoder");
        try (SafetensorsFile before = SafetensorsFile.open(vae.resolve("text_encoder/model.safetensors"));
             SafetensorsFile after = SafetensorsFile.open(teExport.resolve("text_encoder/model.safetensors"))) {
            assertEquals(before.keys(), after.keys());
            long changed = before.keys().stream().filter(k -> !java.util.Arrays.equals(before.load(k, dev.reel.core.DType.F32, dev.reel.core.Backends.cpu()).toFloatArray(),
                    after.load(k, dev.reel.core.DType.F32, dev.reel.core.Backends.cpu()).toFloatArray())).count();
            assertEquals(before.keys().size(), changed, "every text encoder weight trained");
        }
        var teResumed = GenerateCommandTest.reel(concat(teArgs, "--output", dir.resolve("te-resumed").toString(), "--resume", te.resolve("checkpoint-000001").toString()));
        ok(teResumed);
        for (String file : new String[] {"transformer/diffusion_pytorch_model.safetensors", "text_encoder/model.safetensors"}) {
            try (SafetensorsFile a = SafetensorsFile.open(teCheckpoint.resolve(file));
                 SafetensorsFile b = SafetensorsFile.open(dir.resolve("te-resumed/checkpoint-000002").resolve(file))) {
                for (String k : a.keys()) assertEquals(-1, a.segment(k).mismatch(b.segment(k)), file + " " + k + " resumed exactly");
            }
        }
        ok(GenerateCommandTest.reel("generate", "--model", teExport.toString(), "--prompt", "a red circle moves to the right on a blue background",
                "--height", "32", "--width", "32", "--frames", "5", "--steps", "2", "--output", dir.resolve("te.mp4").toString(), "--device", "cpu"));

        ok(GenerateCommandTest.reel("generate", "--model", export.toString(), "--prompt", "a red circle moves to the right on a blue background",
                "--height", "32", "--width", "32", "--frames", "5", "--steps", "2", "--output", mp4.toString(), "--device", "cpu"));
        assertTrue(Files.size(mp4) > 0);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private static void ok(GenerateCommandTest.Run r) {
        assertEquals(0, r.exit(), r.out() + r.err());
    }
}
