package dev.reel.models.t5;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.ReelException;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The tokenizer against the reference T5TokenizerFast output stored in the fixture set. */
class T5TokenizerTest {
    private static final FixtureSet SET = TestFixtures.locate();

    @Test
    void idsAndMasksEqualTheReferenceExactly() {
        JsonNode c = SET.caseConfig("tokenizer");
        List<String> prompts = new ArrayList<>();
        c.get("prompts").forEach(p -> prompts.add(p.textValue()));
        int maxLength = c.get("max_length").intValue();
        float[] refIds = SET.tensor("tokenizer", "input_ids").toFloatArray();
        float[] refMask = SET.tensor("tokenizer", "attention_mask").toFloatArray();

        try (T5Tokenizer tok = T5Tokenizer.fromPipeline(SET.pipelineDir(), maxLength)) {
            T5Tokenizer.Encoding e = tok.encode(prompts);
            assertEquals(prompts.size(), e.batch());
            assertEquals(maxLength, e.length());
            for (int b = 0; b < prompts.size(); b++) {
                long[] wantIds = new long[maxLength], wantMask = new long[maxLength];
                for (int j = 0; j < maxLength; j++) {
                    wantIds[j] = (long) refIds[b * maxLength + j];
                    wantMask[j] = (long) refMask[b * maxLength + j];
                }
                assertArrayEquals(wantIds, e.ids()[b], "ids of prompt " + b + " '" + prompts.get(b) + "'");
                assertArrayEquals(wantMask, e.mask()[b], "mask of prompt " + b + " '" + prompts.get(b) + "'");
            }
            // one at a time gives the same rows as the batch
            for (int b = 0; b < prompts.size(); b++) assertArrayEquals(e.ids()[b], tok.encode(prompts.get(b)).ids()[0]);
        }
    }

    @Test
    void eosIsKeptWhenTruncatedAndPaddingFollowsIt() {
        try (T5Tokenizer tok = T5Tokenizer.fromPipeline(SET.pipelineDir(), 8)) {
            String longPrompt = "Two astronauts play chess on the moon, 4k, film grain, again and again and again";
            T5Tokenizer.Encoding e = tok.encode(List.of(longPrompt, "", "fox"));
            assertEquals(1, e.ids()[0][7], "the last kept position of a truncated prompt is </s>");
            assertEquals(8, e.seqLens()[0]);
            assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 0, 0}, e.ids()[1], "the empty prompt is just </s>");
            assertArrayEquals(new long[] {1, 0, 0, 0, 0, 0, 0, 0}, e.mask()[1]);
            int n = e.seqLens()[2];
            assertEquals(1, e.ids()[2][n - 1]);
            for (int j = n; j < 8; j++) assertEquals(0, e.ids()[2][j]);
            assertEquals(24, e.flatIds().length);
            assertEquals(e.ids()[2][0], e.flatIds()[16]);
        }
        // a max_length above the tokenizer's model_max_length is honoured, not clamped
        try (T5Tokenizer tok = T5Tokenizer.fromPipeline(SET.pipelineDir(), 600)) {
            assertEquals(600, tok.encode("fox").length());
        }
    }

    @Test
    void errorsAreTyped() {
        var missing = assertThrows(ReelException.class, () -> T5Tokenizer.load(Path.of("/no/such/tokenizer.json"), 16));
        assertTrue(missing.getMessage().contains("/no/such/tokenizer.json"), missing.getMessage());
        assertThrows(ReelException.class, () -> T5Tokenizer.fromPipeline(SET.pipelineDir(), 0));
        try (T5Tokenizer tok = T5Tokenizer.load(SET.pipelineDir().resolve("tokenizer"), 4)) {
            assertEquals(0, tok.encode(List.of()).batch());
            List<String> withNull = new ArrayList<>();
            withNull.add(null);
            assertThrows(ReelException.class, () -> tok.encode(withNull));
        }
    }
}
