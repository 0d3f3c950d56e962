package dev.reel.models.loader;

import dev.reel.core.ReelException;
import java.util.List;

/** A pipeline names a component class Reel has no implementation for; the message lists the supported ones. */
public final class UnknownComponentException extends ReelException {
    private final String className;
    private final List<String> supported;

    public UnknownComponentException(String where, String className, List<String> supported) {
        super(where + ": class \"" + className + "\" is not supported; supported classes: " + String.join(", ", supported));
        this.className = className;
        this.supported = List.copyOf(supported);
    }

    /** The unsupported class name. */
    public String className() { return className; }

    /** The class names Reel supports. */
    public List<String> supported() { return supported; }
}
