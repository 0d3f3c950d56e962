package dev.reel.models.nn;

import dev.reel.core.ReelException;
import java.util.List;

/** A checkpoint does not fit its model: every missing, unexpected and wrongly-shaped key, listed together. */
public final class WeightMismatchException extends ReelException {
    private final List<String> missing;
    private final List<String> unexpected;
    private final List<String> wrongShape;

    public WeightMismatchException(String source, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        super(message(source, missing, unexpected, wrongShape));
        this.missing = List.copyOf(missing);
        this.unexpected = List.copyOf(unexpected);
        this.wrongShape = List.copyOf(wrongShape);
    }

    public List<String> missing() { return missing; }
    public List<String> unexpected() { return unexpected; }
    /** Entries formatted "key: expected [..], found [..]". */
    public List<String> wrongShape() { return wrongShape; }

    private static String message(String source, List<String> missing, List<String> unexpected, List<String> wrongShape) {
        StringBuilder sb = new StringBuilder("weights in " + source + " do not match the model:");
        if (!missing.isEmpty()) sb.append("\n  missing (").append(missing.size()).append("): ").append(String.join(", ", missing));
        if (!unexpected.isEmpty()) sb.append("\n  unexpected (").append(unexpected.size()).append("): ").append(String.join(", ", unexpected));
        if (!wrongShape.isEmpty()) sb.append("\n  wrong shape (").append(wrongShape.size()).append("): ").append(String.join("; ", wrongShape));
        return sb.toString();
    }
}
