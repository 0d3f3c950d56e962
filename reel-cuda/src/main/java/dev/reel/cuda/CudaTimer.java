package dev.reel.cuda;

import dev.reel.core.DeviceTimer;
import java.lang.foreign.MemorySegment;

/** Times GPU work on a device's stream with CUDA events: {@code start()}, queue work, {@code stopMs()}. */
final class CudaTimer implements DeviceTimer {
    private final CudaDevice device;
    private final MemorySegment start, end;

    CudaTimer(CudaDevice device) {
        this.device = device;
        this.start = device.cu.createEvent();
        this.end = device.cu.createEvent();
    }

    /** Records the start event. */
    @Override public CudaTimer start() {
        device.bind();
        device.cu.record(start, device.stream);
        return this;
    }

    /** Records the end event, waits for it and returns the milliseconds between the two events. */
    @Override public double stopMs() {
        device.bind();
        device.cu.record(end, device.stream);
        device.cu.eventSynchronize(end);
        return device.cu.elapsedMs(start, end);
    }

    @Override public void close() {
        device.bind();
        device.cu.destroyEvent(start);
        device.cu.destroyEvent(end);
    }
}
