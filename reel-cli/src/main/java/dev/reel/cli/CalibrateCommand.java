package dev.reel.cli;

import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.GeneratorOptions;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.ProgressListener;
import dev.reel.pipeline.VideoGenerator;
import dev.reel.pipeline.cache.CacheCalibration;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code reel calibrate}: fits TeaCache's coefficients or MagCache's ratios for a model from one uncached sample. */
@Command(name = "calibrate", sortOptions = false,
        description = {"Calibrate a step cache for a model from one uncached generation and write the result as JSON.",
                "Use it with --cache teacache:THRESHOLD,calibration=FILE (or magcache:…,calibration=FILE)."})
final class CalibrateCommand implements Callable<Integer> {
    @Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--cache", required = true, description = "teacache or magcache") String cache;
    @Mixin ModelOptions modelOptions;
    @Mixin SampleOptions sample;
    @Option(names = {"--output", "-o"}, required = true, paramLabel = "FILE", description = "the calibration JSON to write") Path output;
    @Mixin DeviceOptions device;

    @Override public Integer call() {
        if (!cache.equals("teacache") && !cache.equals("magcache")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "invalid --cache: '" + cache + "' (use teacache or magcache)");
        }
        PrintWriter out = spec.commandLine().getOut();
        GeneratorOptions options = device.generatorOptions();
        try (VideoGenerator gen = modelOptions.open(options, spec.commandLine())) {
            out.printf("model: %s%n", gen.description());
            GenerationRequest request;
            try {
                request = sample.builder(gen).build();
                gen.validate(request);
            } catch (InvalidRequestException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "invalid " + e.field() + ": " + e.getMessage());
            }
            out.printf("calibrating %s on %d frames of %dx%d, %d steps, guidance %.2f, seed %d%n", cache, request.numFrames(), request.width(),
                    request.height(), request.numInferenceSteps(), request.guidanceScale(), request.seed());
            out.flush();
            CacheCalibration c = gen.calibrate(request, new ProgressPrinter(out, ProgressPrinter.stdoutIsTerminal()));
            CacheCalibration written = cache.equals("teacache")
                    ? new CacheCalibration(c.model(), c.steps(), c.teacache(), null)
                    : new CacheCalibration(c.model(), c.steps(), null, c.magcache());
            written.write(output);
            if (written.teacache() != null) {
                out.printf("TeaCache polynomial (highest order first), e: %s%n                                      e0: %s%n",
                        Arrays.toString(written.teacache().e()), Arrays.toString(written.teacache().e0()));
            } else {
                out.printf("MagCache ratios, cond: %s%n", Arrays.toString(written.magcache().cond()));
            }
            out.printf("wrote %s; use --cache %s:THRESHOLD,calibration=%s%n", output, cache, output);
            out.flush();
            return 0;
        }
    }
}
