package dev.reel.core.dist;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backend;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.ReelException;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Each collective of the in-process group against its definition, computed here on host arrays. */
class InProcessGroupTest {
    private static final Backend CPU = Backends.cpu();

    /** Rank r's input {@code [2, 6, 3]}: value = 1000·r + row-major index. */
    private static float[] input(int rank, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 1000f * rank + i;
        return v;
    }

    /** Runs {@code body(rank, comm)} on one thread per rank; returns each rank's host result. */
    private static List<float[]> onRanks(int size, BiFunction<Integer, Communicator, Tensor> body) throws Exception {
        List<Communicator> comms = InProcessGroup.create(size);
        ExecutorService pool = Executors.newFixedThreadPool(size);
        try {
            List<Future<float[]>> fs = new ArrayList<>();
            for (int r = 0; r < size; r++) {
                int rank = r;
                fs.add(pool.submit(() -> {
                    try (Scope s = Scope.open()) {
                        return body.apply(rank, comms.get(rank)).toFloatArray();
                    }
                }));
            }
            List<float[]> out = new ArrayList<>();
            for (Future<float[]> f : fs) out.add(f.get());
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    @ParameterizedTest @ValueSource(ints = {1, 2, 3, 4})
    void allReduceSumIsTheElementwiseSum(int size) throws Exception {
        List<float[]> got = onRanks(size, (r, c) -> c.allReduceSum(CPU.fromFloats(input(r, 36), DType.F32, 2, 6, 3)));
        float[] want = new float[36];
        for (int r = 0; r < size; r++) { float[] x = input(r, 36); for (int i = 0; i < 36; i++) want[i] += x[i]; }
        for (float[] g : got) assertArrayEquals(want, g);
    }

    @ParameterizedTest @ValueSource(ints = {1, 2, 3})
    void allGatherConcatenatesInRankOrder(int size) throws Exception {
        for (int dim = 0; dim < 3; dim++) {
            int d = dim;
            List<float[]> got = onRanks(size, (r, c) -> c.allGather(CPU.fromFloats(input(r, 36), DType.F32, 2, 6, 3), d));
            // definition: out[..., r·n_d + i, ...] = rank r's x[..., i, ...]
            int[] s = {2, 6, 3};
            int[] o = s.clone();
            o[d] *= size;
            float[] want = new float[36 * size];
            for (int r = 0; r < size; r++) {
                float[] x = input(r, 36);
                for (int a = 0; a < 2; a++) for (int b = 0; b < 6; b++) for (int e = 0; e < 3; e++) {
                    int[] idx = {a, b, e};
                    idx[d] += r * s[d];
                    want[(idx[0] * o[1] + idx[1]) * o[2] + idx[2]] = x[(a * 6 + b) * 3 + e];
                }
            }
            for (float[] g : got) assertArrayEquals(want, g, "dim " + d);
        }
    }

    @ParameterizedTest @ValueSource(ints = {1, 2, 3})
    void allToAllSendsPieceJToRankJ(int size) throws Exception {
        // x [B=2, Ls=6/size·size… use L=6 scattered over heads]: x [2, 6, 3·size] scatter dim 2, gather dim 1
        int h = 3 * size, l = 4, n = 2 * l * h;
        List<float[]> got = onRanks(size, (r, c) -> c.allToAll(CPU.fromFloats(input(r, n), DType.F32, 2, l, h), 2, 1));
        for (int me = 0; me < size; me++) {
            // definition: out[b, r·l + i, j] = rank r's x[b, i, me·3 + j]
            float[] want = new float[2 * size * l * 3];
            for (int r = 0; r < size; r++) {
                float[] x = input(r, n);
                for (int b = 0; b < 2; b++) for (int i = 0; i < l; i++) for (int j = 0; j < 3; j++) {
                    want[(b * size * l + r * l + i) * 3 + j] = x[(b * l + i) * h + me * 3 + j];
                }
            }
            assertArrayEquals(want, got.get(me), "rank " + me);
        }
    }

    @ParameterizedTest @ValueSource(ints = {2, 4})
    void allToAllTwiceWithSwappedDimsIsTheIdentity(int size) throws Exception {
        int n = 2 * 8 * 4 * 5;
        List<float[]> got = onRanks(size, (r, c) -> {
            Tensor x = CPU.fromFloats(input(r, n), DType.F32, 2, 8, 4, 5);     // [B, L/n, H, D]
            Tensor headSharded = c.allToAll(x, 2, 1);                          // [B, L, H/n, D]
            assertArrayEquals(new int[] {2, 8 * size, 4 / size, 5}, headSharded.shape());
            return c.allToAll(headSharded, 1, 2);
        });
        for (int r = 0; r < size; r++) assertArrayEquals(input(r, n), got.get(r));
    }

    @Test
    void broadcastGivesTheRootsTensor() throws Exception {
        List<float[]> got = onRanks(3, (r, c) -> c.broadcast(CPU.fromFloats(input(r, 6), DType.F32, 6), 1));
        for (float[] g : got) assertArrayEquals(input(1, 6), g);
    }

    @Test
    void sendAndRecvPassARing() throws Exception {
        int size = 3;
        List<float[]> got = onRanks(size, (r, c) -> {
            Tensor mine = CPU.fromFloats(input(r, 6), DType.F32, 2, 3);
            if (r % 2 == 0) {   // even ranks send first, odd receive first: no cycle of waits
                c.send(mine, (r + 1) % size);
                return c.recv((r + size - 1) % size, DType.F32, 2, 3);
            }
            Tensor in = c.recv((r + size - 1) % size, DType.F32, 2, 3);
            c.send(mine, (r + 1) % size);
            return in;
        });
        for (int r = 0; r < size; r++) assertArrayEquals(input((r + size - 1) % size, 6), got.get(r));
    }

    @Test
    void abortWakesARankWaitingInACollective() throws Exception {
        List<Communicator> comms = InProcessGroup.create(2);
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            Future<?> waiting = pool.submit(() -> comms.get(0).allReduceSum(CPU.fromFloats(new float[] {1}, DType.F32, 1)));
            Thread.sleep(50);
            comms.get(1).abort();
            var e = assertThrows(java.util.concurrent.ExecutionException.class, waiting::get);
            assertEquals(CommunicatorAbortedException.class, e.getCause().getClass());
            assertThrows(CommunicatorAbortedException.class, () -> comms.get(1).allReduceSum(CPU.fromFloats(new float[] {1}, DType.F32, 1)));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void plansParseAndCheckHeads() {
        assertEquals(new ParallelPlan(2, 4), ParallelPlan.parse("cfg=2,sp=4"));
        assertEquals(new ParallelPlan(1, 3), ParallelPlan.parse(" sp=3 "));
        assertEquals(ParallelPlan.SINGLE, ParallelPlan.parse("none"));
        assertEquals(new ParallelPlan(2, 4), ParallelPlan.forDevices(8));
        assertEquals(new ParallelPlan(1, 3), ParallelPlan.forDevices(3));
        var e = assertThrows(ReelException.class, () -> ParallelPlan.parse("cfg=3"));
        assertEquals("--parallel cfg=3: must be 1 or 2 (the conditional and unconditional passes)", e.getMessage());
        assertThrows(ReelException.class, () -> ParallelPlan.parse("tp=2"));
        var h = assertThrows(ReelException.class, () -> new ParallelPlan(1, 5).checkHeads(12));
        assertEquals("--parallel sp=5 does not divide the transformer's 12 attention heads (Ulysses gives each rank heads/sp heads); use one of 1, 2, 3, 4, 6, 12", h.getMessage());
        new ParallelPlan(1, 8).checkHeads(40);
    }
}
