package dev.reel.core.safetensors;

import dev.reel.core.ReelException;
import java.nio.file.Path;

/**
 * A safetensors file (or sharded index) is missing, unreadable or malformed: bad header length, header not
 * JSON, unknown dtype, offsets out of range, overlapping or not matching shape × dtype, truncated data. The
 * message names the file and the problem.
 */
public class SafetensorsException extends ReelException {
    private final transient Path file;
    private final String problem;

    public SafetensorsException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
        this.problem = problem;
    }

    public SafetensorsException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
        this.problem = problem;
    }

    /** The file that could not be read or written. */
    public Path file() { return file; }

    /** What was wrong, without the file name. */
    public String problem() { return problem; }
}
