package dev.reel.cuda;

import dev.reel.core.ReelException;

/** A CUDA, NVRTC, cuBLASLt or cuDNN call failed; the message names the call and the library's error. */
public class CudaException extends ReelException {
    private final int code;

    public CudaException(String message, int code) {
        super(message);
        this.code = code;
    }

    /** The library's status code. */
    public int code() { return code; }
}
