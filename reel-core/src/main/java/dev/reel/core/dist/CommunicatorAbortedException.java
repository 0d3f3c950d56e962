package dev.reel.core.dist;

import dev.reel.core.ReelException;

/** A collective could not complete because its group was {@link Communicator#abort aborted} (another rank failed). */
public final class CommunicatorAbortedException extends ReelException {
    public CommunicatorAbortedException(String message) { super(message); }
    public CommunicatorAbortedException(String message, Throwable cause) { super(message, cause); }
}
