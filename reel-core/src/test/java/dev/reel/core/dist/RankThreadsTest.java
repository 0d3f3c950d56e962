package dev.reel.core.dist;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Device;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One thread per rank: results in rank order, and a failing rank does not leave the others waiting. */
class RankThreadsTest {
    private static List<RankContext> ranks(int n) {
        return RankContext.create(new ParallelPlan(1, n), Collections.nCopies(n, Device.CPU));
    }

    @Test
    void resultsComeBackInRankOrderAndGroupsFollowThePlan() {
        List<RankContext> rs = RankContext.create(new ParallelPlan(2, 3), Collections.nCopies(6, Device.CPU));
        try (RankThreads t = new RankThreads(6)) {
            List<String> got = t.run(rs, rc -> rc.rank() + ":" + rc.cfg().rank() + "/" + rc.cfg().size() + "," + rc.sp().rank() + "/" + rc.sp().size());
            // rank = cfgRank·sp + spRank
            assertEquals(List.of("0:0/2,0/3", "1:0/2,1/3", "2:0/2,2/3", "3:1/2,0/3", "4:1/2,1/3", "5:1/2,2/3"), got);
        }
    }

    @Test
    void aFailingRankAbortsTheOthersAndItsOwnErrorIsReported() {
        try (RankThreads t = new RankThreads(3)) {
            var e = assertThrows(IllegalStateException.class, () -> t.run(ranks(3), rc -> {
                if (rc.rank() == 1) throw new IllegalStateException("rank 1 ran out of memory");
                // ranks 0 and 2 wait in a collective rank 1 never joins
                return rc.world().allReduceSum(Backends.cpu().fromFloats(new float[] {1}, DType.F32, 1)).item();
            }));
            assertEquals("rank 1 ran out of memory", e.getMessage());
        }
    }
}
