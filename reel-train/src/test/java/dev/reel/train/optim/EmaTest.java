package dev.reel.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class EmaTest {
    /** Diffusers' EMAModel.get_decay with its defaults (update_after_step 0, no power warm-up, min_decay 0), by hand. */
    @Test void decayWarmsUpAsDiffusersEmaModel() {
        Ema ema = new Ema(0.999f);
        assertEquals(0f, ema.decayAt(1), "the first step copies the weights");
        assertEquals(2.0 / 11, ema.decayAt(2), 1e-7);
        assertEquals(100.0 / 109, ema.decayAt(100), 1e-7);
        assertEquals(0.999f, ema.decayAt(9000), 1e-7, "n/(9+n) passes 0.999 at n = 8991");
        assertEquals(0.9f, new Ema(0.9f).decayAt(500), 1e-7);
    }
}
