package dev.reel.pipeline.stages;

/** One step of the pipeline: reads what earlier stages left in the {@link PipelineState} and adds its own. */
public interface Stage {
    /** The stage's name in timings and progress ({@code TextEncoding}, …). */
    String name();

    /** Runs the stage. */
    void run(PipelineState state);
}
