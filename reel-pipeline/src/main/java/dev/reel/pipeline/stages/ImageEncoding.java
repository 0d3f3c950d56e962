package dev.reel.pipeline.stages;

import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.core.Scope;
import dev.reel.core.Tensor;
import dev.reel.models.clip.ClipImageProcessor;
import dev.reel.models.clip.ClipVisionModel;
import dev.reel.models.image.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Image-to-video stage: the first frame (and the last, for first-and-last-frame models) through the CLIP image
 * processor and encoder, as Diffusers' {@code encode_image}: {@code hidden_states[-2]} {@code [n, N, D]}, in the
 * transformer's dtype, for every transformer pass (the guidance pass uses the same states).
 */
public final class ImageEncoding implements Stage {
    private final ClipImageProcessor processor;
    private final ClipVisionModel encoder;
    private final DType embedsDtype;
    private final Backend backend;

    public ImageEncoding(ClipImageProcessor processor, ClipVisionModel encoder, DType embedsDtype, Backend backend) {
        this.processor = processor;
        this.encoder = encoder;
        this.embedsDtype = embedsDtype;
        this.backend = backend;
    }

    @Override public String name() { return "ImageEncoding"; }

    @Override public void run(PipelineState state) {
        List<RgbImage> images = new ArrayList<>();
        images.add(state.request().image());
        if (state.request().lastImage() != null) images.add(state.request().lastImage());
        try (Scope scope = Scope.open()) {
            Tensor pixels = processor.process(images, backend);                     // [n, 3, S, S] fp32
            Tensor states = encoder.penultimateHiddenStates(pixels.to(encoder.dtype()));   // [n, N, D]
            state.imageEmbeds = scope.keep(states.to(embedsDtype));
        }
    }
}
