package dev.reel.models.nn;

import dev.reel.core.ReelException;

/** A {@code config.json} is missing, unreadable, or lacks/mistypes a key; the message names file and key. */
public final class ConfigException extends ReelException {
    public ConfigException(String message) { super(message); }
}
