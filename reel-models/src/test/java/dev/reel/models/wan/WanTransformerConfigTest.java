package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class WanTransformerConfigTest {

    @Test
    void readsTheFixtureConfig() {
        Path file = TestFixtures.locate().pipelineDir().resolve("transformer/config.json");
        WanTransformerConfig c = WanTransformerConfig.fromConfig(ConfigJson.read(file));
        assertArrayEquals(new int[] {1, 2, 2}, c.patchSize());
        assertEquals(2, c.numAttentionHeads());
        assertEquals(12, c.attentionHeadDim());
        assertEquals(24, c.innerDim());
        assertEquals(16, c.inChannels());
        assertEquals(16, c.outChannels());
        assertEquals(32, c.textDim());
        assertEquals(256, c.freqDim());
        assertEquals(32, c.ffnDim());
        assertEquals(2, c.numLayers());
        assertTrue(c.crossAttnNorm());
        assertEquals(1e-6, c.eps());
        assertEquals(32, c.ropeMaxSeqLen());
    }

    private static ObjectNode minimal() {
        ObjectNode n = new ObjectMapper().createObjectNode();
        n.putArray("patch_size").add(1).add(2).add(2);
        n.put("num_attention_heads", 2).put("attention_head_dim", 12).put("in_channels", 16)
                .put("text_dim", 32).put("ffn_dim", 32).put("num_layers", 1);
        return n;
    }

    @Test
    void missingRequiredKeyNamesIt() {
        ObjectNode n = minimal();
        n.remove("ffn_dim");
        var e = assertThrows(ConfigException.class, () -> WanTransformerConfig.fromConfig(ConfigJson.of("t.json", n)));
        assertTrue(e.getMessage().contains("ffn_dim"), e.getMessage());
    }

    @Test
    void defaultsFollowDiffusers() {
        WanTransformerConfig c = WanTransformerConfig.fromConfig(ConfigJson.of("t.json", minimal()));
        assertEquals(16, c.outChannels());
        assertEquals(256, c.freqDim());
        assertEquals(1024, c.ropeMaxSeqLen());
        assertEquals(1e-6, c.eps());
        assertTrue(c.crossAttnNorm());
    }

    @Test
    void rejectsAnIncompleteImageBranchAndOtherQkNorms() {
        ObjectNode i2v = minimal().put("image_dim", 1280);
        var e = assertThrows(ConfigException.class, () -> WanTransformerConfig.fromConfig(ConfigJson.of("t.json", i2v)));
        assertTrue(e.getMessage().contains("added_kv_proj_dim"), e.getMessage());
        WanTransformerConfig ok = WanTransformerConfig.fromConfig(ConfigJson.of("t.json", minimal().put("image_dim", 1280).put("added_kv_proj_dim", 24)));
        assertTrue(ok.hasImageBranch());
        assertEquals(1, ok.imagesPerSample());
        ObjectNode qk = minimal().put("qk_norm", "rms_norm");
        e = assertThrows(ConfigException.class, () -> WanTransformerConfig.fromConfig(ConfigJson.of("t.json", qk)));
        assertTrue(e.getMessage().contains("qk_norm"), e.getMessage());
        ObjectNode odd = minimal().put("attention_head_dim", 13);
        assertThrows(ConfigException.class, () -> WanTransformerConfig.fromConfig(ConfigJson.of("t.json", odd)));
    }
}
