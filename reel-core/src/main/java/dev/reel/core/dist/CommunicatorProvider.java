package dev.reel.core.dist;

import dev.reel.core.Device;
import java.util.List;

/** Service interface an accelerator module implements (reel-cuda: NCCL) so {@link Communicators} can find it. */
public interface CommunicatorProvider {
    /** The device kind whose communicators this provider makes. */
    Device.Type type();

    /**
     * One communicator per device, forming one group in which {@code devices.get(r)} is rank {@code r}; all devices
     * are driven by this process (one thread per rank uses element {@code r}).
     */
    List<Communicator> create(List<Device> devices);
}
