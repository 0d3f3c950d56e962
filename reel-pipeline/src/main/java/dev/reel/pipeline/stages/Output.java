package dev.reel.pipeline.stages;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.media.Mp4Writer;
import dev.reel.pipeline.media.PngWriter;

/** Stage 7: writes the frames as the request asks (MP4, PNG folder, or nothing). */
public final class Output implements Stage {
    @Override public String name() { return "Output"; }

    @Override public void run(PipelineState state) {
        GenerationRequest r = state.request();
        switch (r.effectiveOutputFormat()) {
            case MP4 -> new Mp4Writer(r.fps(), r.preset(), r.crf()).write(state.frames, r.output());
            case PNG -> new PngWriter().write(state.frames, r.output());
            case NONE -> { return; }
        }
        state.output = r.output().toAbsolutePath();
    }
}
