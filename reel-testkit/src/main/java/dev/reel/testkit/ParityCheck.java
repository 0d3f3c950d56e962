package dev.reel.testkit;

/**
 * One compared output of a fixture case.
 *
 * @param caseName  the manifest case
 * @param output    the output's name ({@code step_latents[2]}, {@code frames}, …)
 * @param relErr    ‖out − ref‖ / ‖ref‖ (NaN when the case could not run)
 * @param maxAbs    the largest |out − ref| (NaN when the case could not run)
 * @param worst     where the largest difference is ({@code frame 3 [3, 17, 5, 0]}); "" when there is none or the case did not run
 * @param tolerance the largest relative error that passes (0 for exact outputs)
 * @param error     why the case could not run, or null
 */
public record ParityCheck(String caseName, String output, double relErr, double maxAbs, String worst, double tolerance, String error) {
    /** True if the output ran and is within tolerance. */
    public boolean pass() { return error == null && relErr <= tolerance; }

    /** A case, or one output of it, that could not be compared. */
    public static ParityCheck failed(String caseName, String output, double tolerance, String error) {
        return new ParityCheck(caseName, output, Double.NaN, Double.NaN, "", tolerance, error);
    }

    /** A case that failed to run. */
    public static ParityCheck failed(String caseName, String error) { return failed(caseName, "-", 0, error); }
}
