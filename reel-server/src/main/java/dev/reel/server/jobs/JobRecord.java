package dev.reel.server.jobs;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.reel.pipeline.cache.CacheStats;
import dev.reel.server.engine.VideoSpec;
import java.time.Duration;

/**
 * The immutable state of a job at one moment: what the API shows, what {@code job.json} holds, and what each
 * progress event carries. Times are Unix seconds, as in OpenAI's API.
 *
 * @param id              {@code video_} + 32 hex digits ({@link JobStore#isValidId})
 * @param seq             submission order, increasing across restarts (FIFO order among equal priorities)
 * @param model           the served model's id
 * @param status          where the job is
 * @param progress        0..100
 * @param createdAt       submission time
 * @param startedAt       when a worker took it, or null
 * @param completedAt     when it completed or failed, or null
 * @param seconds         the requested duration as the API shows it
 * @param priority        higher runs first; equal priorities run in submission order
 * @param spec            what to generate; a finished job's (and an event's) without the input pictures, which only
 *                        a job that may still run needs ({@link VideoSpec#withoutPictures})
 * @param error           why it failed, or null
 * @param inferenceTimeS  seconds the generation took, or null until completed
 * @param passes          transformer passes run and skipped by the step cache, or null until completed
 * @param expiresAt       when a finished job is deleted with its files, or null (unfinished, or kept forever)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRecord(
        String id,
        long seq,
        String model,
        JobStatus status,
        int progress,
        @JsonProperty("created_at") long createdAt,
        @JsonProperty("started_at") Long startedAt,
        @JsonProperty("completed_at") Long completedAt,
        String seconds,
        int priority,
        VideoSpec spec,
        JobError error,
        @JsonProperty("inference_time_s") Double inferenceTimeS,
        TransformerPasses passes,
        @JsonProperty("expires_at") Long expiresAt) {

    /**
     * What the step cache did.
     *
     * @param run               passes whose transformer blocks ran
     * @param skipped           passes answered from the cache
     * @param attentionReused   attention calls answered from the cache (PAB)
     */
    public record TransformerPasses(int run, int skipped, @JsonProperty("attention_reused") int attentionReused) {
        /** From the pipeline's report. */
        public static TransformerPasses of(CacheStats s) { return new TransformerPasses(s.passesRun(), s.passesSkipped(), s.attentionReused()); }
    }

    JobRecord started(long now) {
        return new JobRecord(id, seq, model, JobStatus.IN_PROGRESS, 0, createdAt, now, null, seconds, priority, spec, null, null, null, null);
    }

    JobRecord withProgress(int p) {
        return new JobRecord(id, seq, model, status, p, createdAt, startedAt, completedAt, seconds, priority, spec, error, inferenceTimeS, passes, expiresAt);
    }

    JobRecord completed(long now, double inferenceSeconds, TransformerPasses passes) {
        return new JobRecord(id, seq, model, JobStatus.COMPLETED, 100, createdAt, startedAt, now, seconds, priority, spec.withoutPictures(),
                null, inferenceSeconds, passes, null);
    }

    JobRecord failed(long now, JobError why) {
        return new JobRecord(id, seq, model, JobStatus.FAILED, progress, createdAt, startedAt, now, seconds, priority, spec.withoutPictures(),
                why, null, null, null);
    }

    /** This record without the input pictures (what the API shows and events carry). */
    JobRecord withoutPictures() {
        VideoSpec s = spec.withoutPictures();
        return s == spec ? this : new JobRecord(id, seq, model, status, progress, createdAt, startedAt, completedAt, seconds, priority, s,
                error, inferenceTimeS, passes, expiresAt);
    }

    /** This finished record, set to expire {@code retention} after it finished ({@link Duration#ZERO}: never). */
    JobRecord expiringAfter(Duration retention) {
        Long at = retention.isZero() || completedAt == null ? null : completedAt + Math.max(1, retention.toSeconds());
        return new JobRecord(id, seq, model, status, progress, createdAt, startedAt, completedAt, seconds, priority, spec, error, inferenceTimeS, passes, at);
    }
}
