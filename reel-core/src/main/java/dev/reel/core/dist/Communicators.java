package dev.reel.core.dist;

import dev.reel.core.Device;
import dev.reel.core.ReelException;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Makes communicator groups for a list of devices: in-process threads for the CPU ({@link InProcessGroup}), the
 * accelerator module's own library (NCCL for CUDA) otherwise, found with {@link ServiceLoader}.
 */
public final class Communicators {
    private Communicators() {}

    /** A group in which {@code devices.get(r)} is rank {@code r}; element {@code r} is that rank's end. */
    public static List<Communicator> group(List<Device> devices) {
        if (devices.isEmpty()) throw new ReelException("a communicator group needs at least one device");
        Device.Type type = devices.getFirst().type();
        for (Device d : devices) {
            if (d.type() != type) throw new ReelException("a communicator group must be on one kind of device, got " + devices);
        }
        if (type == Device.Type.CPU) return InProcessGroup.create(devices.size());
        if (new HashSet<>(devices).size() != devices.size()) {
            throw new ReelException("each GPU rank needs its own device, got " + devices + " (NCCL cannot put two ranks on one GPU)");
        }
        for (CommunicatorProvider p : ServiceLoader.load(CommunicatorProvider.class)) {
            if (p.type() == type) return p.create(devices);
        }
        throw new ReelException("no communicator for " + type + " devices (is reel-cuda on the class path?)");
    }
}
