package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.AttentionBackend;
import dev.reel.cuda.AttentionSelector.Capabilities;
import org.junit.jupiter.api.Test;

/** Runs everywhere (no GPU): the attention choice for each request on devices with and without cuDNN. */
class AttentionSelectorTest {
    private static final Capabilities HOPPER = new Capabilities("cuda:0", true, null, 90);
    private static final Capabilities HOPPER_NO_CUDNN = new Capabilities("cuda:0", false, "libcudnn.so.9 not found", 90);

    @Test
    void autoPrefersCudnnAndFallsBackToFlash() {
        assertEquals(AttentionBackend.SDPA, AttentionSelector.select(AttentionBackend.AUTO, HOPPER));
        assertEquals(AttentionBackend.FLASH, AttentionSelector.select(AttentionBackend.AUTO, HOPPER_NO_CUDNN));
    }

    @Test
    void explicitChoicesAreHonouredWhereTheyCanRun() {
        assertEquals(AttentionBackend.SDPA, AttentionSelector.select(AttentionBackend.SDPA, HOPPER));
        assertEquals(AttentionBackend.FLASH, AttentionSelector.select(AttentionBackend.FLASH, HOPPER));
        assertEquals(AttentionBackend.FLASH, AttentionSelector.select(AttentionBackend.SDPA, HOPPER_NO_CUDNN), "sdpa without cuDNN falls back");
    }

    @Test
    void flashNeedsAmpereOrNewer() {
        assertEquals(true, HOPPER.flash());
        assertEquals(false, new Capabilities("cuda:0", false, "x", 75).flash());
        assertEquals(80, AttentionSelector.FLASH_MIN_CC);
    }
}
