package dev.reel.cuda;

import dev.reel.core.ReelException;

/** A CUDA library or device is missing; the message names what was looked for and where. */
public class CudaUnavailableException extends ReelException {
    public CudaUnavailableException(String message) { super(message); }
}
