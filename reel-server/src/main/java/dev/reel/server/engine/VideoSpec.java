package dev.reel.server.engine;

/**
 * The generation parameters of one job, validated and with every default resolved (the seed too, so a job is
 * reproducible and its record says exactly what ran).
 *
 * @param prompt            what the video shows
 * @param negativePrompt    what to steer away from ("" = none)
 * @param width             frame width in pixels
 * @param height            frame height in pixels
 * @param numFrames         frames of video (as the model's VideoGeometry allows: 4k+1 for Wan2.1)
 * @param fps               frame rate of the written MP4
 * @param numInferenceSteps denoising steps
 * @param guidanceScale     classifier-free guidance weight
 * @param seed              seed of the initial noise
 * @param cache             step-cache policy, canonical ({@code none}, {@code teacache:0.08}, …); null in records
 *                          written before caches existed, read as {@code none}
 * @param inputReference    the first frame for image-to-video models (OpenAI's {@code input_reference}): the PNG or
 *                          JPEG file's bytes in base64, kept with the job until it finishes so a queued job survives
 *                          restarts ({@link #withoutPictures}); or null
 * @param lastImage         the last frame for first-and-last-frame models ({@code nvext.last_image}), the same way; or null
 * @param guidanceScale2    the low-noise expert's guidance (two-expert models, {@code nvext.guidance_scale_2}); null:
 *                          the same as guidanceScale
 */
public record VideoSpec(String prompt, String negativePrompt, int width, int height, int numFrames, int fps,
                        int numInferenceSteps, double guidanceScale, long seed, String cache, String inputReference, String lastImage,
                        Double guidanceScale2) {

    public VideoSpec {
        if (cache == null) cache = "none";
    }

    /** A text-to-video spec (no pictures). */
    public VideoSpec(String prompt, String negativePrompt, int width, int height, int numFrames, int fps, int numInferenceSteps,
                     double guidanceScale, long seed, String cache) {
        this(prompt, negativePrompt, width, height, numFrames, fps, numInferenceSteps, guidanceScale, seed, cache, null, null, null);
    }

    /** This spec without its pictures: what a finished job, or an event, keeps (the API never shows them). */
    public VideoSpec withoutPictures() {
        if (inputReference == null && lastImage == null) return this;
        return new VideoSpec(prompt, negativePrompt, width, height, numFrames, fps, numInferenceSteps, guidanceScale, seed, cache,
                null, null, guidanceScale2);
    }

    /** {@code "WxH"}, as the API writes sizes. */
    public String size() { return width + "x" + height; }
}
