package dev.reel.pipeline.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GenerationResult;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The step caches end to end on the reference fixtures' tiny trained-shape pipeline (CPU, fp32). */
class StepCacheTest {
    static final int STEPS = 12;
    static VideoGenerator gen;
    static GenerationResult uncached;

    @TempDir Path dir;

    @BeforeAll static void load() {
        gen = VideoGenerator.fromPretrained(TestFixtures.locate().pipelineDir(), GeneratorOptions.defaults());
        // The CPU kernels' vector reductions (reduceLanes) add in a different order once the JIT compiles them, so a
        // run's last bits depend on how warm the JVM is: warm it, then compare runs made back to back.
        for (int i = 0; i < 3; i++) uncached = gen.generate(request("none"));
    }

    /** An uncached run made just before the run it is compared with. */
    static GenerationResult uncachedNow() { return gen.generate(request("none")); }

    @AfterAll static void close() { gen.close(); }

    static GenerationRequest request(String cache) {
        return gen.requestBuilder("a red fox in the snow").size(32, 48).numFrames(5).numInferenceSteps(STEPS)
                .maxSequenceLength(16).seed(11L).cache(cache).build();
    }

    @Test
    void uncachedRunsEveryPass() {
        assertEquals(new CacheStats("none", 2 * STEPS, 0, uncached.cache().attentionComputed(), 0), uncached.cache());
        assertEquals(2 * STEPS * 2 * 2, uncached.cache().attentionComputed());   // passes × 2 blocks × (self, cross)
    }

    /** Acceptance 1: a threshold of 0 (or a PAB range of 1) is bit for bit the uncached video. */
    @ParameterizedTest
    @ValueSource(strings = {"teacache:0,model=t2v-1.3b", "teacache:0,ret_steps=true,model=t2v-14b", "pab:1", "pab:1,cross=1",
            "magcache:0,model=t2v-1.3b", "easycache:0"})
    void zeroThresholdIsBitExact(String cache) {
        GenerationResult base = uncachedNow();
        GenerationResult r = gen.generate(request(cache));
        assertArrayEquals(base.frames().rgb(), r.frames().rgb(), cache);
        assertEquals(2 * STEPS, r.cache().passesRun(), cache);
        assertEquals(0, r.cache().passesSkipped(), cache);
        assertEquals(0, r.cache().attentionReused(), cache);
    }

    @ParameterizedTest
    @ValueSource(strings = {"magcache:0.5,model=t2v-1.3b,K=3", "easycache:0.5,ret_steps=2"})
    void aThresholdSkipsPassesAndTheVideoStaysClose(String cache) {
        GenerationResult r = gen.generate(request(cache));
        assertEquals(2 * STEPS, r.cache().passes(), cache);
        assertTrue(r.cache().passesSkipped() > 0, cache + ": " + r.cache());
        assertFalse(java.util.Arrays.equals(uncached.frames().rgb(), r.frames().rgb()), cache);
    }

    @Test
    void pabReusesAttentionInsideItsWindowOnly() {
        GenerationResult r = gen.generate(request("pab:3,cross=2,window=0-1000"));
        assertEquals(0, r.cache().passesSkipped());
        assertTrue(r.cache().attentionReused() > 0);
        GenerationResult base = uncachedNow();
        GenerationResult none = gen.generate(request("pab:3,cross=2,window=2000-3000"));
        assertEquals(0, none.cache().attentionReused());
        assertArrayEquals(base.frames().rgb(), none.frames().rgb());
    }

    @Test
    void calibrationFitsAndTheCachesReadIt() {
        CacheCalibration c = gen.calibrate(request("none"), ProgressListener.NONE);
        assertEquals(5, c.teacache().e().length);
        assertEquals(5, c.teacache().e0().length);
        assertEquals(STEPS, c.magcache().cond().length);
        assertEquals(1.0, c.magcache().cond()[0]);
        Path file = dir.resolve("calibration.json");
        c.write(file);
        CacheCalibration back = CacheCalibration.read(file);
        assertArrayEquals(c.teacache().e(), back.teacache().e());
        assertArrayEquals(c.magcache().uncond(), back.magcache().uncond());
        GenerationResult r = gen.generate(request("teacache:0.3,calibration=" + file));
        assertTrue(r.cache().passesSkipped() > 0, r.cache().toString());   // this model's embeddings move ~0.5-1.3 per step: the published 1.3B fit never skips
        GenerationResult base = uncachedNow();
        GenerationResult m = gen.generate(request("magcache:0,calibration=" + file));
        assertArrayEquals(base.frames().rgb(), m.frames().rgb());
    }

    @Test
    void aModelWithoutPublishedCoefficientsNeedsACalibration() {
        var e = assertThrows(InvalidRequestException.class, () -> gen.validate(request("teacache:0.08")));
        assertEquals("cache", e.field());
        assertTrue(e.getMessage().contains("reel calibrate --cache teacache"), e.getMessage());
    }

    @Test
    void badPoliciesNameWhatIsAllowed() {
        var unknown = assertThrows(InvalidRequestException.class, () -> CacheSpec.parse("fastcache:0.1"));
        assertTrue(unknown.getMessage().contains("allowed: none, teacache, pab, magcache, easycache"), unknown.getMessage());
        var param = assertThrows(InvalidRequestException.class, () -> gen.validate(request("pab:2,spatial=3")));
        assertTrue(param.getMessage().contains("pab has no parameter 'spatial'; it takes cross, self, window"), param.getMessage());
        var range = assertThrows(InvalidRequestException.class, () -> gen.validate(request("teacache:-1,model=t2v-1.3b")));
        assertTrue(range.getMessage().contains("threshold = -1: must be in [0.0, 10.0]"), range.getMessage());
        assertEquals("teacache:0.08,ret_steps=true", CacheSpec.parse(" TeaCache:0.08, ret_steps=true").toString());
        assertEquals(CacheSpec.NONE, CacheSpec.parse(null));
    }
}
