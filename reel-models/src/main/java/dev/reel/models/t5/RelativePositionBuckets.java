package dev.reel.models.t5;

/**
 * T5's bidirectional relative-position buckets (Mesh TensorFlow's scheme): half the buckets per direction;
 * within each half, distances below {@code n/2} get a bucket each and larger ones share logarithmically wider
 * buckets up to {@code maxDistance}, beyond which everything lands in the last bucket.
 */
final class RelativePositionBuckets {
    private RelativePositionBuckets() {}

    /**
     * The bucket of every (query, key) pair, row-major {@code [queryLength, keyLength]}, for the relative position
     * {@code key − query}. The logarithm is taken in float32, as the reference's tensor ops do, so that
     * distances on a bucket boundary round the same way.
     */
    static int[] bidirectional(int queryLength, int keyLength, int numBuckets, int maxDistance) {
        int half = numBuckets / 2;
        int maxExact = half / 2;
        float logRange = (float) Math.log((double) maxDistance / maxExact);
        int[] out = new int[queryLength * keyLength];
        for (int q = 0; q < queryLength; q++) {
            for (int k = 0; k < keyLength; k++) {
                int rel = k - q;
                int bucket = rel > 0 ? half : 0;
                int n = Math.abs(rel);
                if (n < maxExact) {
                    bucket += n;
                } else {
                    float logRatio = (float) Math.log((float) n / maxExact) / logRange * (half - maxExact);
                    bucket += Math.min(maxExact + (int) logRatio, half - 1);
                }
                out[q * keyLength + k] = bucket;
            }
        }
        return out;
    }
}
