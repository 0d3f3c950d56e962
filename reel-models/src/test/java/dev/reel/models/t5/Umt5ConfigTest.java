package dev.reel.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Backend;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class Umt5ConfigTest {
    /** Wan2.1's text encoder, umt5-xxl (the same in the 1.3B and 14B pipelines). */
    private static Path xxlConfig() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("testdata/configs/wan2.1-t2v-1.3b/text_encoder/config.json");
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("testdata/configs/wan2.1-t2v-1.3b/text_encoder/config.json not found");
    }

    @Test
    void umt5XxlBuildsWithoutWeightsAndCountsParameters() {
        Umt5Config c = Umt5Config.read(xxlConfig());
        assertEquals(4096, c.dModel());
        assertEquals(64, c.numHeads());
        assertEquals(Backend.Unary.GELU_TANH, c.activation());
        UMT5EncoderModel model = new UMT5EncoderModel(c);
        long d = 4096, inner = 64 * 64, ff = 10240;
        long perLayer = 4 * d * inner + 32 * 64 + 3 * d * ff + 2 * d;
        long expected = 256384 * d + 24 * perLayer + d;
        assertEquals(expected, model.parameterCount());
        System.out.printf("umt5-xxl encoder: %,d parameters%n", model.parameterCount());
        assertTrue(model.parameterCount() > 5_600_000_000L && model.parameterCount() < 5_800_000_000L);
        assertTrue(model.namedParameters().containsKey("encoder.block.23.layer.0.SelfAttention.relative_attention_bias.weight"));
        assertTrue(model.namedParameters().containsKey("encoder.block.23.layer.1.DenseReluDense.wi_1.weight"));
    }

    private static ObjectNode tiny() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.put("model_type", "umt5").put("vocab_size", 10).put("d_model", 8).put("d_kv", 2).put("d_ff", 12)
                .put("num_layers", 1).put("num_heads", 4);
        return n;
    }

    @Test
    void derivesActivationFromFeedForwardProj() {
        Umt5Config c = Umt5Config.fromConfig(ConfigJson.of("tiny", tiny()));
        assertEquals(Backend.Unary.GELU_TANH, c.activation()); // gated-gelu → gelu_new
        assertEquals(32, c.relativeAttentionNumBuckets());
        assertEquals(128, c.relativeAttentionMaxDistance());
        assertEquals(Backend.Unary.RELU, Umt5Config.fromConfig(ConfigJson.of("tiny", tiny().put("feed_forward_proj", "gated-relu"))).activation());
    }

    @Test
    void rejectsWhatItDoesNotImplement() {
        var e = assertThrows(ConfigException.class, () -> Umt5Config.fromConfig(ConfigJson.of("t", tiny().put("model_type", "t5"))));
        assertTrue(e.getMessage().contains("model_type"));
        e = assertThrows(ConfigException.class, () -> Umt5Config.fromConfig(ConfigJson.of("t", tiny().put("feed_forward_proj", "relu"))));
        assertTrue(e.getMessage().contains("feed_forward_proj"));
        e = assertThrows(ConfigException.class, () -> Umt5Config.fromConfig(ConfigJson.of("t", tiny().put("dense_act_fn", "quick_gelu"))));
        assertTrue(e.getMessage().contains("dense_act_fn"));
        e = assertThrows(ConfigException.class, () -> Umt5Config.fromConfig(ConfigJson.of("t", tinyWithout("d_model"))));
        assertTrue(e.getMessage().contains("d_model"));
    }

    private static ObjectNode tinyWithout(String key) {
        ObjectNode n = tiny();
        n.remove(key);
        return n;
    }
}
