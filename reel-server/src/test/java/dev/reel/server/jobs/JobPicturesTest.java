package dev.reel.server.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.reel.server.engine.VideoSpec;
import java.util.concurrent.LinkedBlockingQueue;
import org.junit.jupiter.api.Test;

/**
 * A job keeps its input pictures (base64) only while it may still run: a queued or running record has them (the worker
 * and a restart need them), a finished record, the first record the API answers with and every event do not, so a
 * long-running server does not hold every input image of every job it ever ran.
 */
class JobPicturesTest {
    static final String FIRST = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    private static final String LAST = FIRST.replace('A', 'B');

    private static JobRecord queued() {
        VideoSpec spec = new VideoSpec("p", "", 48, 64, 5, 16, 2, 1.0, 0, "none", FIRST, LAST, null);
        return new JobRecord("video_%032x".formatted(1), 1, "m", JobStatus.QUEUED, 0, 0, null, null, "1", 0, spec, null, null, null, null);
    }

    @Test void aFinishedJobKeepsNoPictures() {
        Job job = new Job(queued());
        assertEquals(FIRST, job.record().spec().inputReference(), "a queued job still needs its picture");
        assertNull(job.first().spec().inputReference(), "the answer to POST holds no picture");

        JobRecord started = job.record().started(1);
        job.update(started, null);
        assertEquals(FIRST, job.record().spec().inputReference(), "a running job still has its picture");
        assertEquals(LAST, job.record().spec().lastImage());
        job.update(started.withProgress(50), JobEvent.progress(started.withProgress(50), 1, 2));

        job.update(job.record().completed(2, 0.5, null), null);
        assertNull(job.record().spec().inputReference());
        assertNull(job.record().spec().lastImage());
        assertEquals("p", job.record().spec().prompt());
        assertEquals(48, job.record().spec().width());

        var replay = new LinkedBlockingQueue<JobEvent>();
        job.subscribe(replay);
        assertEquals(4, replay.size(), replay.toString()); // queued, in_progress, the last step, completed
        for (JobEvent e : replay) {
            assertNull(e.state().spec().inputReference(), e.type());
            assertNull(e.state().spec().lastImage(), e.type());
        }
    }

    @Test void aFailedJobKeepsNoPictures() {
        JobRecord r = queued().failed(3, new JobError("cancelled", "deleted while queued"));
        assertNull(r.spec().inputReference());
        assertNull(r.spec().lastImage());
        assertNotNull(queued().spec().inputReference());
    }
}
