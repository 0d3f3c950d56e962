package dev.reel.server.jobs;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** A job's lifecycle, named as in OpenAI's video object: queued → in_progress → completed | failed. */
public enum JobStatus {
    QUEUED, IN_PROGRESS, COMPLETED, FAILED;

    /** The API name ({@code in_progress}). */
    @JsonValue public String apiName() { return name().toLowerCase(Locale.ROOT); }

    /** Whether the job will not change any more. */
    public boolean terminal() { return this == COMPLETED || this == FAILED; }
}
