package dev.reel.pipeline.cache;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model's cache calibration as {@code reel calibrate} writes it and the caches read it
 * ({@code teacache:0.1,calibration=FILE}): TeaCache's rescaling polynomials for both measured inputs, and/or
 * MagCache's magnitude ratios per step.
 *
 * @param model    what was calibrated (the model's description)
 * @param steps    denoising steps of the calibration run
 * @param teacache TeaCache's coefficients, or null
 * @param magcache MagCache's ratios, or null
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CacheCalibration(String model, int steps, TeaCacheFit teacache, MagCacheFit magcache) {

    /**
     * @param e  the polynomial for the timestep embedding (default mode), highest order first
     * @param e0 the polynomial for its projection ({@code ret_steps} mode)
     * @param samples the (input, output) relative-L1 pairs the fits were made from: {@code [e, e0, output]} per pass
     */
    public record TeaCacheFit(double[] e, double[] e0, double[][] samples) {}

    /**
     * @param cond   the ratio per step, conditional pass (step 0 is 1.0)
     * @param uncond the same, unconditional pass
     */
    public record MagCacheFit(double[] cond, double[] uncond) {}

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Reads a calibration file. */
    public static CacheCalibration read(Path file) {
        try {
            return JSON.readValue(file.toFile(), CacheCalibration.class);
        } catch (IOException e) {
            throw new ReelException("cannot read the cache calibration " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes it atomically (a complete file or none). */
    public void write(Path file) {
        try {
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".calibration", ".tmp");
            JSON.writeValue(tmp.toFile(), this);
            FileOps.moveIntoPlace(tmp, file);
        } catch (IOException e) {
            throw new ReelException("cannot write the cache calibration " + file + ": " + e.getMessage(), e);
        }
    }
}
