package dev.reel.pipeline.stages;

import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ModelTask;
import java.util.List;

/**
 * The request rules about conditioning pictures ({@link GenerationRequest#image}, {@link GenerationRequest#lastImage}),
 * from what the model takes ({@link ModelTask}): part of {@link InputValidation}.
 */
final class ImageRules {
    private ImageRules() {}

    static void check(List<InvalidRequestException> out, GenerationRequest r, ModelTask task) {
        RgbImage image = r.image(), last = r.lastImage();
        String model = "this model (" + task.describe() + ")";
        if (!task.takesImages()) {
            if (image != null) out.add(new InvalidRequestException("image", image, model + " takes no image; use an image-to-video model (e.g. Wan-AI/Wan2.1-I2V-14B-480P-Diffusers)"));
            if (last != null) out.add(new InvalidRequestException("lastImage", last, model + " takes no image"));
            return;
        }
        if (image == null && task.minImages() > 0) {
            out.add(new InvalidRequestException("image", null, model + " needs the first frame" + (task.minImages() == 2 ? " and the last frame" : "")));
        }
        if (last != null && image == null) out.add(new InvalidRequestException("lastImage", last, "needs image (the first frame) too"));
        if (last != null && task.maxImages() < 2) {
            out.add(new InvalidRequestException("lastImage", last, model + " takes no last frame (its image encoder branch embeds one picture; "
                    + "use a first-and-last-frame model, e.g. Wan-AI/Wan2.1-FLF2V-14B-720P-Diffusers)"));
        }
        if (last == null && image != null && task.minImages() == 2) out.add(new InvalidRequestException("lastImage", null, model + " needs the last frame too"));
        if (last != null && r.numFrames() < 2) out.add(new InvalidRequestException("numFrames", r.numFrames(), "must be more than 1 with a last frame"));
    }
}
