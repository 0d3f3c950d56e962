package dev.reel.cuda;

import dev.reel.core.DeviceOutOfMemoryException;

/** The device could not satisfy an allocation; the message names the size and the pool's usage. */
public class CudaOutOfMemoryException extends DeviceOutOfMemoryException {
    public CudaOutOfMemoryException(String message, long requestedBytes) {
        super(message, requestedBytes);
    }
}
