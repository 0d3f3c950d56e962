package dev.reel.train.trainer;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsFile;

/** The reference file's batch, every step; the empty prompt is zeros. */
final class FixedBatch implements BatchSource {
    private final Tensor latents, text;

    FixedBatch(Backend b) {
        try (SafetensorsFile ref = SafetensorsFile.open(TestData.path("wan21-tiny-train/wan21-tiny-grads.safetensors"))) {
            latents = dev.reel.core.Scope.detach(ref.load("input.x0", DType.F32, b));
            text = dev.reel.core.Scope.detach(ref.load("input.encoder_hidden_states", DType.F32, b));
        }
    }

    @Override public Sample batch(int step, Backend backend) { return new Sample(latents, text); }

    @Override public Tensor emptyText(Backend backend) { return backend.zeros(DType.F32, 1, text.size(1), text.size(2)); }
}
