package dev.reel.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.Tensor;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.pipeline.GeneratorOptions;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole pipeline and every other case of the fixture set, as {@code reel parity} runs them. */
class ParityRunnerTest {
    private static void print(ParityCheck c) {
        System.out.printf("%-16s %-26s %.3e  (tol %.0e) %s%s%n", c.caseName(), c.output(), c.relErr(), c.tolerance(),
                c.pass() ? "PASS" : "FAIL", c.error() == null ? "" : " " + c.error());
    }

    @Test
    void pipelineCaseMatchesEmbeddingsStepLatentsAndFrames() {
        FixtureSet set = TestFixtures.locate();
        try (ParityRunner r = new ParityRunner(set, GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.run("pipeline");
            checks.forEach(ParityRunnerTest::print);
            int steps = set.caseConfig("pipeline").get("num_inference_steps").intValue();
            assertEquals(2 + steps + 1, checks.size(), "prompt + negative embeds, every step, frames");
            for (ParityCheck c : checks) {
                assertTrue(c.pass(), c.output() + ": " + c.relErr() + " > " + c.tolerance() + (c.error() == null ? "" : " (" + c.error() + ")"));
                if (c.output().endsWith("prompt_embeds")) assertTrue(c.relErr() <= 1e-4, c.output() + " rel err " + c.relErr() + " > 1e-4");
            }
        }
    }

    /**
     * Every case passes its tolerance and, on the fixture set the guard was measured on, stays within 10× the fp32
     * CPU error reached when it was recorded ({@code cpu-fp32-guard.json}): the manifest's 1e-4 alone would let a
     * 100× regression through.
     */
    @Test
    void everyCaseOfTheSetPassesAndStaysWithinTheRegressionGuard() throws Exception {
        FixtureSet set = TestFixtures.locate();
        JsonNode guard;
        try (InputStream in = ParityRunnerTest.class.getResourceAsStream("cpu-fp32-guard.json")) {
            guard = new ObjectMapper().readTree(in);
        }
        boolean guarded = set.root().getFileName().toString().equals(guard.get("fixture_set").asText());
        double factor = guard.get("factor").asDouble(), floor = guard.get("floor").asDouble();
        try (ParityRunner r = new ParityRunner(set, GeneratorOptions.defaults(), null)) {
            List<ParityCheck> checks = r.runAll(ParityRunnerTest::print);
            assertFalse(checks.isEmpty());
            for (ParityCheck c : checks) {
                assertTrue(c.pass(), c.caseName() + "/" + c.output() + " failed: " + c.relErr() + (c.error() == null ? "" : " " + c.error()));
                if (!guarded) continue;
                JsonNode achieved = guard.get("achieved").get(c.caseName());
                assertNotNull(achieved, "case " + c.caseName() + " has no entry in cpu-fp32-guard.json: measure it and lock it");
                double bound = c.tolerance() == 0 ? 0 : Math.max(factor * achieved.asDouble(), floor);
                assertTrue(c.relErr() <= bound, c.caseName() + "/" + c.output() + ": rel err " + c.relErr() + " > " + bound
                        + " (" + factor + "× the " + achieved.asDouble() + " recorded)");
            }
        }
    }

    /** A pipeline case whose file holds none of its outputs fails instead of passing with nothing compared. */
    @Test
    void aCaseWithoutOutputsFails(@TempDir Path dir) throws Exception {
        FixtureSet real = TestFixtures.locate();
        SafetensorsWriter.write(dir.resolve("pipeline.safetensors"), Map.of("initial_latents", real.tensor("pipeline", "initial_latents")));
        // the transformer's output flattened: the same values, another shape
        Map<String, Tensor> t = new LinkedHashMap<>();
        for (String k : List.of("hidden_states", "timestep", "encoder_hidden_states")) t.put(k, real.tensor("transformer", k));
        Tensor sample = real.tensor("transformer", "sample");
        t.put("sample", sample.reshape(sample.size(0), (int) (sample.numel() / sample.size(0))));
        SafetensorsWriter.write(dir.resolve("transformer.safetensors"), t);
        String model = real.pipelineDir().toString().replace("\\", "\\\\");
        Files.writeString(dir.resolve("manifest.json"), """
                {"cases": {
                  "pipeline": {"file": "pipeline.safetensors", "rtol": 1e-3, "model_dir": "%s", "prompt": "a fox", "height": 64,
                               "width": 48, "num_frames": 9, "num_inference_steps": 2, "guidance_scale": 1.0},
                  "transformer": {"file": "transformer.safetensors", "rtol": 1e-4, "model_dir": "%s"}}}""".formatted(model, model));
        try (ParityRunner r = new ParityRunner(FixtureSet.open(dir), GeneratorOptions.defaults(), null)) {
            List<ParityCheck> p = r.run("pipeline");
            assertEquals(1, p.size());
            assertFalse(p.get(0).pass());
            assertTrue(p.get(0).error().contains("none of the pipeline's outputs"), p.get(0).error());
            List<ParityCheck> s = r.run("transformer");
            assertEquals(1, s.size());
            assertFalse(s.get(0).pass(), "equal element counts but another shape must fail");
            assertTrue(s.get(0).error().contains("differs from the reference's [2, 2304]"), s.get(0).error());
        }
    }

    /** The largest difference is reported with the frame it is in. */
    @Test
    void reportsTheLargestDifferenceAndItsFrame() {
        try (ParityRunner r = new ParityRunner(TestFixtures.locate(), GeneratorOptions.defaults(), null)) {
            ParityCheck v = r.run("vae_decode").get(0);
            assertTrue(v.maxAbs() > 0 && v.maxAbs() < 1e-4, "max |Δ| " + v.maxAbs());
            assertTrue(v.worst().matches("frame \\d+ \\[0, \\d, \\d+, \\d+, \\d+]"), v.worst());
        }
    }

    @Test
    void aTighterOverrideFailsAndSaysSo() {
        try (ParityRunner r = new ParityRunner(TestFixtures.locate(), GeneratorOptions.defaults(), 1e-12)) {
            List<ParityCheck> checks = r.run("transformer");
            assertEquals(1, checks.size());
            assertFalse(checks.get(0).pass(), "1e-12 is tighter than fp32 reaches");
            assertEquals(1e-12, checks.get(0).tolerance());
        }
    }
}
