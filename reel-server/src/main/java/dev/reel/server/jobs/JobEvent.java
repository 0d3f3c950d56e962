package dev.reel.server.jobs;

/**
 * One entry of a job's event stream (what {@code GET /v1/videos/{id}/events} sends).
 *
 * @param type       {@code queued}, {@code in_progress}, {@code progress} (after each denoising step),
 *                   {@code completed}, {@code failed}, or {@code closed} (the server is stopping; the stream ends
 *                   without a final state)
 * @param state      the job after the event
 * @param step       denoising steps done (progress events), else 0
 * @param totalSteps denoising steps in all (progress events), else 0
 */
public record JobEvent(String type, JobRecord state, int step, int totalSteps) {
    /** The event announcing {@code state}'s status. */
    static JobEvent status(JobRecord state) { return new JobEvent(state.status().apiName(), state, 0, 0); }

    /** The event after step {@code step} of {@code total}. */
    static JobEvent progress(JobRecord state, int step, int total) { return new JobEvent("progress", state, step, total); }

    /** The event ending a stream when the server stops while the job is not finished. */
    static JobEvent closed(JobRecord state) { return new JobEvent("closed", state, 0, 0); }

    /** This event with its state {@link JobRecord#withoutPictures without the input pictures}. */
    JobEvent withoutPictures() {
        JobRecord r = state.withoutPictures();
        return r == state ? this : new JobEvent(type, r, step, totalSteps);
    }

    /** Whether no event follows this one. */
    public boolean last() { return state.status().terminal() && !type.equals("progress") || type.equals("closed"); }
}
