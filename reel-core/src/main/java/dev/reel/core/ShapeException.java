package dev.reel.core;

import java.util.Arrays;

/** An op was given tensors whose shapes (or arguments) it cannot take; the message names op, shapes and rule. */
public class ShapeException extends ReelException {
    public ShapeException(String op, String problem) { super(op + ": " + problem); }

    /** Formats a shape as [a, b, c]. */
    public static String fmt(int[] shape) { return Arrays.toString(shape); }
}
