package dev.reel.cuda;

import dev.reel.core.ReelException;

/** The device could not satisfy an allocation; the message names the size and the pool's usage. */
public class CudaOutOfMemoryException extends ReelException {
    private final long requestedBytes;

    public CudaOutOfMemoryException(String message, long requestedBytes) {
        super(message);
        this.requestedBytes = requestedBytes;
    }

    /** The size of the allocation that failed. */
    public long requestedBytes() { return requestedBytes; }
}
