package dev.reel.cli;

import dev.reel.core.fixtures.FixtureSet;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.testkit.ParityCheck;
import dev.reel.testkit.ParityRunner;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code reel parity DIR}: every case of a reference fixture set, compared output by output. */
@Command(name = "parity", description = {"Run every case of a reference fixture set (DIR/manifest.json) and compare each output",
        "with the reference: shapes, then relative error ‖out−ref‖/‖ref‖ against the case's tolerance, with the largest",
        "absolute difference and where it is (the frame; per case the worst step). Exit 0 only if all pass."})
final class ParityCommand implements Callable<Integer> {
    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "DIR", description = "fixture set folder (holds manifest.json)")
    Path dir;

    @Option(names = "--case", paramLabel = "NAME", description = "run only these cases (repeatable)")
    List<String> cases = new ArrayList<>();

    @Option(names = "--rtol", description = "use this tolerance for every non-exact output instead of the manifest's (e.g. 2e-2 for bf16)")
    Double rtol;

    @Mixin DeviceOptions device;

    @Override public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        FixtureSet set = FixtureSet.open(dir);
        GeneratorOptions options = device.generatorOptions();
        out.printf("fixture set %s (%s), on %s%n", set.root(), set.manifest().path("reference").asText("reference not stated"), DeviceOptions.describe(options));
        out.printf("%-18s %-26s %12s %12s %-28s %10s  %s%n", "case", "output", "rel.error", "max|Δ|", "worst at", "tolerance", "result");
        List<ParityCheck> all = new ArrayList<>();
        try (ParityRunner runner = new ParityRunner(set, options, rtol)) {
            List<String> names = cases.isEmpty() ? set.caseNames() : cases;
            for (String c : names) {
                List<ParityCheck> checks = runner.run(c);
                for (ParityCheck p : checks) {
                    all.add(p);
                    out.println(format(p));
                }
                String worst = worstStep(checks);
                if (worst != null) out.println(worst);
                out.flush();
            }
        }
        long failed = all.stream().filter(p -> !p.pass()).count();
        out.printf("%d outputs checked, %d passed, %d failed: %s%n", all.size(), all.size() - failed, failed, failed == 0 ? "PASS" : "FAIL");
        out.flush();
        return failed == 0 && !all.isEmpty() ? 0 : 1;
    }

    static String format(ParityCheck p) {
        String err = Double.isNaN(p.relErr()) ? "-" : String.format("%.3e", p.relErr());
        String abs = Double.isNaN(p.maxAbs()) ? "-" : String.format("%.3e", p.maxAbs());
        String tol = p.tolerance() == 0 ? "exact" : String.format("%.1e", p.tolerance());
        String result = p.pass() ? "PASS" : "FAIL" + (p.error() == null ? "" : "  " + p.error());
        return String.format("%-18s %-26s %12s %12s %-28s %10s  %s", p.caseName(), p.output(), err, abs, p.worst(), tol, result);
    }

    /** For a case with per-step outputs ({@code step_latents[i]}, {@code samples[i]}): the step whose error is largest. */
    static String worstStep(List<ParityCheck> checks) {
        ParityCheck worst = null;
        int steps = 0;
        for (ParityCheck p : checks) {
            if (!p.output().matches(".+\\[\\d+]") || Double.isNaN(p.relErr())) continue;
            steps++;
            if (worst == null || p.relErr() > worst.relErr()) worst = p;
        }
        if (steps < 2 || worst.relErr() == 0) return null;
        return String.format("%-18s worst of %d steps: %s, rel.error %.3e, max|Δ| %.3e at %s", worst.caseName(), steps, worst.output(), worst.relErr(), worst.maxAbs(), worst.worst());
    }
}
