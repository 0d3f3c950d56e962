package dev.reel.models.wan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.WeightStreamer;
import dev.reel.core.fixtures.FixtureSet;
import dev.reel.core.fixtures.TestFixtures;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The transformer's weight-residency seam ({@link WanTransformer3DModel#streamBlocks}) on the CPU. */
class WanTransformerStreamingTest {
    private static final String CASE = "transformer";

    /** A resident streamer that writes down every call. */
    private static final class Recording implements WeightStreamer {
        final WeightStreamer inner;
        final List<String> calls = new ArrayList<>();
        List<List<Tensor>> given;

        Recording(List<List<Tensor>> groups) {
            given = groups;
            inner = WeightStreamer.resident(groups);
        }

        @Override public int groups() { return inner.groups(); }
        @Override public List<Tensor> weights(int group) { return inner.weights(group); }
        @Override public void acquire(int group) { calls.add("acquire " + group); }
        @Override public void release(int group) { calls.add("release " + group); }
        @Override public void close() { calls.add("close"); }
    }

    /**
     * Each block's weights are acquired right before its compute and released right after, in block order, and
     * the output is the resident model's, exactly.
     */
    @Test
    void acquiresEachBlockInOrderAndKeepsTheOutput() {
        FixtureSet fixtures = TestFixtures.locate();
        WanTransformer3DModel resident = WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
        WanTransformer3DModel streamed = WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
        Recording[] rec = new Recording[1];
        streamed.streamBlocks(groups -> rec[0] = new Recording(groups));

        int n = streamed.blocks.size();
        assertEquals(n, rec[0].given.size());
        // one group per block, the block's parameters in declaration order
        assertSame(streamed.blocks.get(0).scaleShiftTable.get(), rec[0].given.get(0).get(0));
        assertEquals(streamed.blocks.get(1).namedParameters().size(), rec[0].given.get(1).size());

        Tensor x = fixtures.tensor(CASE, "hidden_states");
        float[] t = fixtures.tensor(CASE, "timestep").toFloatArray();
        Tensor text = fixtures.tensor(CASE, "encoder_hidden_states");
        float[] expected = resident.forward(x, t, text).toFloatArray();
        float[] got = streamed.forward(x, t, text).toFloatArray();
        assertArrayEquals(expected, got, 0f);

        List<String> order = new ArrayList<>();
        for (int i = 0; i < n; i++) { order.add("acquire " + i); order.add("release " + i); }
        assertEquals(order, rec[0].calls);

        assertThrows(IllegalStateException.class, () -> streamed.streamBlocks(Recording::new));
        streamed.close();
        assertEquals("close", rec[0].calls.getLast());
    }

    /** The CPU backend's own streamer keeps the weights as they are. */
    @Test
    void cpuStreamerIsResident() {
        FixtureSet fixtures = TestFixtures.locate();
        WanTransformer3DModel m = WanTransformer3DModel.load(fixtures.pipelineDir().resolve("transformer"), DType.F32, Backends.cpu());
        Tensor q = m.blocks.get(0).attn1.toQ.weight.get();
        m.streamBlocks(Backends.cpu()::streamWeights);
        assertSame(q, m.blocks.get(0).attn1.toQ.weight.get());
    }
}
