package dev.reel.server.jobs;

import dev.reel.core.Device;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One worker of the server and the devices it drives: a single GPU, or a group running one generation split
 * across its devices by the configured parallel plan (e.g. 8 GPUs as 4 groups of {@code sp=2}). Its state is what
 * {@code /health} and {@code /metrics} report per group.
 */
public final class WorkerGroup {
    /** Where the group's worker is. */
    public enum State { LOADING, READY, FAILED, STOPPED }

    private final int index;
    private final List<Device> devices;
    private volatile State state = State.LOADING;
    private volatile String error;
    private volatile String runningJob;
    private final AtomicLong finished = new AtomicLong();

    WorkerGroup(int index, List<Device> devices) {
        this.index = index;
        this.devices = List.copyOf(devices);
    }

    /** The group's number, 0 … groups−1, in the order the devices were given. */
    public int index() { return index; }

    /** Its devices; rank 0 first. */
    public List<Device> devices() { return devices; }

    /** The devices joined by {@code +}, e.g. {@code cuda:0+cuda:1}: the group's label in metrics. */
    public String label() { return String.join("+", devices.stream().map(Device::toString).toList()); }

    public State state() { return state; }

    /** Why loading failed, or null. */
    public String error() { return error; }

    /** The id of the job it is rendering, or null when idle. */
    public String runningJob() { return runningJob; }

    /** Jobs it has finished (any final status). */
    public long finishedJobs() { return finished.get(); }

    void loaded() { state = State.READY; }

    void failed(String why) {
        error = why;
        state = State.FAILED;
    }

    void stopped() { if (state == State.READY) state = State.STOPPED; }

    void started(String jobId) { runningJob = jobId; }

    void done() {
        runningJob = null;
        finished.incrementAndGet();
    }
}
