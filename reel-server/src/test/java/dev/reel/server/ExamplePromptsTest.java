package dev.reel.server;

import dev.reel.pipeline.DemoConfigs;
import static dev.reel.server.TestServer.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.server.engine.PipelineModel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model's {@code example_prompts} (its reel_defaults.json) reach {@code GET /v1/models}, which the page reads. */
class ExamplePromptsTest {
    static final List<String> EXAMPLES = List.of("a red circle moves to the right on a blue background", "<b>bold</b> & \"quoted\" 'prompt'");

    @TempDir Path dir;

    @Test void theModelObjectListsTheModelsExamplePrompts() throws Exception {
        Path model = TestServer.fixtureWithDefaults(dir, "{\"example_prompts\": " + TestServer.JSON.writeValueAsString(EXAMPLES) + "}");
        ServerConfig config = ServerConfig.defaults(dir.resolve("data")).withAddress("127.0.0.1", 0).withShutdownGrace(Duration.ofSeconds(5));
        try (ReelServer server = ReelServer.start(config, PipelineModel.pretrained(model, null, GeneratorOptions.defaults()))) {
            TestServer s = TestServer.attach(server, dir);
            assertEquals(EXAMPLES, strings(json(s.get("/v1/models")).path("data").path(0).path("example_prompts")));
            assertEquals(EXAMPLES, strings(json(s.get("/v1/models/" + TestServer.MODEL)).path("example_prompts")));
        }
    }

    /** The demo suggests six prompts of the shapes world; a model without examples lists none. */
    @Test void theDemoSuggestsSixAndTheFixtureNone() {
        assertEquals(6, DemoConfigs.profile().examplePrompts().size());
        assertEquals(DemoConfigs.profile().examplePrompts(), PipelineModel.demo(null, GeneratorOptions.defaults()).examplePrompts());
        assertTrue(TestServer.fixtureModel().examplePrompts().isEmpty());
    }

    private static List<String> strings(JsonNode array) {
        assertTrue(array.isArray(), array.toString());
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }
}
