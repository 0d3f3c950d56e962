package dev.reel.models.clip;

import dev.reel.models.nn.Module;
import java.util.ArrayList;
import java.util.List;

/** {@code encoder}: the stack of {@link ClipEncoderLayer}s ({@code layers.N}). */
public final class ClipEncoder extends Module {
    /** {@code layers.N}. */
    public final List<ClipEncoderLayer> layers;

    public ClipEncoder(ClipVisionConfig c) {
        List<ClipEncoderLayer> list = new ArrayList<>();
        for (int i = 0; i < c.numHiddenLayers(); i++) list.add(new ClipEncoderLayer(c));
        this.layers = children("layers", list);
    }
}
