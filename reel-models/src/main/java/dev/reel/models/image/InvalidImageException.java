package dev.reel.models.image;

import dev.reel.core.ReelException;

/** An input image that cannot be used: not a decodable PNG/JPEG, empty, or too large; the message says which. */
public final class InvalidImageException extends ReelException {
    public InvalidImageException(String message) { super(message); }
}
