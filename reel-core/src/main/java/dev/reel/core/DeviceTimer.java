package dev.reel.core;

/**
 * Times the work a backend queues: {@code start()}, queue work, {@code stopMs()}. On a GPU the backend records
 * events on its stream (so host-side launch overhead that overlaps GPU work is not counted); on the CPU it is
 * the wall clock, with {@link Backend#synchronize()} before each reading. Made by {@link Backend#timer()}.
 */
public interface DeviceTimer extends AutoCloseable {
    /** Marks the start (again, if called twice). */
    DeviceTimer start();

    /** Marks the end, waits for the work queued since {@link #start()} and returns the milliseconds between. */
    double stopMs();

    /** Releases what the timer holds (events on a GPU). */
    @Override void close();

    /** The wall-clock timer: synchronises {@code backend} at start and stop and reads {@link System#nanoTime()}. */
    static DeviceTimer wallClock(Backend backend) {
        return new DeviceTimer() {
            private long t0 = System.nanoTime();

            @Override public DeviceTimer start() {
                backend.synchronize();
                t0 = System.nanoTime();
                return this;
            }

            @Override public double stopMs() {
                backend.synchronize();
                return (System.nanoTime() - t0) / 1e6;
            }

            @Override public void close() {}
        };
    }
}
