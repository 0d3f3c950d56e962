package dev.reel.core;

/** Base of Reel's typed errors; the message is written for the user and names what was wrong. */
public class ReelException extends RuntimeException {
    public ReelException(String message) { super(message); }
    public ReelException(String message, Throwable cause) { super(message, cause); }
}
