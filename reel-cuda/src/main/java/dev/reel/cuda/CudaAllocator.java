package dev.reel.cuda;

import dev.reel.core.DType;
import dev.reel.core.Tensor;

/**
 * Makes the outputs of ops: uninitialised contiguous tensors on the device, whose storage belongs to the backend
 * front the op families serve (so later ops on them run with that front's options). The op families get one from
 * their {@link CudaBackend} and never see the backend itself.
 */
@FunctionalInterface
interface CudaAllocator {
    Tensor empty(DType dtype, int... shape);
}
