package dev.reel.models.t5;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class RelativePositionBucketsTest {
    /** Independent float64 statement of the scheme for (num_buckets 32, max_distance 128). */
    private static int reference(int rel) {
        int bucket = rel > 0 ? 16 : 0;
        int n = Math.abs(rel);
        if (n < 8) return bucket + n;
        double large = 8 + Math.floor(Math.log(n / 8.0) / Math.log(16.0) * 8 + 1e-9);
        return bucket + (int) Math.min(large, 15);
    }

    @Test
    void bucketsFollowTheT5Scheme() {
        int len = 300;
        int[] b = RelativePositionBuckets.bidirectional(len, len, 32, 128);
        for (int q = 0; q < len; q += 7) {
            for (int k = 0; k < len; k++) assertEquals(reference(k - q), b[q * len + k], "query " + q + ", key " + k);
        }
    }

    @Test
    void knownValues() {
        int len = 200;
        int[] b = RelativePositionBuckets.bidirectional(1, len, 32, 128); // query 0: rel = key
        assertEquals(0, b[0]);
        assertEquals(17, b[1]);
        assertEquals(23, b[7]);
        assertEquals(24, b[8]);   // first logarithmic bucket
        assertEquals(26, b[16]);  // log(2)/log(16)·8 = 2 exactly
        assertEquals(28, b[32]);
        assertEquals(30, b[64]);
        assertEquals(31, b[127]);
        assertEquals(31, b[199]); // beyond max_distance
        int[] back = RelativePositionBuckets.bidirectional(len, 1, 32, 128); // key 0: rel = −query
        assertEquals(1, back[1]);
        assertEquals(10, back[16]);
        assertEquals(15, back[199]);
    }
}
