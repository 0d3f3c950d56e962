package dev.reel.pipeline.stages;

import dev.reel.models.loader.SchedulerFolder;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.pipeline.SchedulerType;

/**
 * Stage 3: a fresh scheduler (the model's, or the request's override, with its flow shift) set up for the
 * request's number of steps.
 */
public final class TimestepPreparation implements Stage {
    private final SchedulerFolder scheduler;

    public TimestepPreparation(SchedulerFolder scheduler) { this.scheduler = scheduler; }

    @Override public String name() { return "TimestepPreparation"; }

    @Override public void run(PipelineState state) {
        SchedulerType override = state.request().scheduler();
        String cls = override == null ? null : switch (override) {
            case UNIPC -> "UniPCMultistepScheduler";
            case EULER -> "FlowMatchEulerDiscreteScheduler";
        };
        NoiseScheduler s = scheduler.create(cls, state.request().flowShift());
        s.setTimesteps(state.request().numInferenceSteps());
        state.scheduler = s;
    }
}
