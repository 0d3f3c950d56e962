package dev.reel.cuda;

import dev.reel.core.Device;
import dev.reel.core.dist.Communicator;
import dev.reel.core.dist.CommunicatorProvider;
import java.util.List;

/** Registers NCCL as the communicator of CUDA devices with {@link dev.reel.core.dist.Communicators} (META-INF/services). */
public final class NcclCommunicatorProvider implements CommunicatorProvider {
    @Override public Device.Type type() { return Device.Type.CUDA; }

    @Override public List<Communicator> create(List<Device> devices) { return NcclCommunicator.group(devices); }
}
