package dev.reel.pipeline.cache;

import dev.reel.core.ReelException;
import dev.reel.models.wan.WanTransformerConfig;
import dev.reel.pipeline.InvalidRequestException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Builds the {@link CacheStrategy} a {@link CacheSpec} names, checking its parameters (errors name the parameter,
 * its value and what is allowed). The parameters, bare first one in brackets:
 * <ul>
 *   <li>{@code teacache:[threshold]} (default 0.08), {@code ret_steps=true|false} (default false: measure {@code e};
 *       true: {@code e0}, first 5 steps computed), {@code model=t2v-1.3b|t2v-14b|i2v-480p|i2v-720p} (published
 *       coefficients; text-to-video models are recognised by size), {@code calibration=FILE} (from
 *       {@code reel calibrate})</li>
 *   <li>{@code pab:[self]} self-attention skip range (default 2; 1 = off), {@code cross=N} (default off),
 *       {@code window=LO-HI} timesteps where reuse may happen (default 100-800, exclusive)</li>
 *   <li>{@code magcache:[threshold]} (default 0.12), {@code K=N} most skips in a row (2), {@code retention=F}
 *       fraction of passes always computed first (0.2), {@code model=…}, {@code calibration=FILE}</li>
 *   <li>{@code easycache:[threshold]} (default 0.05), {@code ret_steps=N} steps always computed first (10)</li>
 * </ul>
 */
public final class CacheStrategies {
    private CacheStrategies() {}

    private static final String THRESHOLD = "threshold";

    /**
     * @param spec  the policy
     * @param model the transformer's architecture (to find published calibrations)
     * @throws InvalidRequestException for a bad parameter or a missing calibration
     */
    public static CacheStrategy create(CacheSpec spec, WanTransformerConfig model) {
        return switch (spec.strategy()) {
            case "none" -> CacheStrategy.NONE;
            case "teacache" -> teaCache(spec, model);
            case "pab" -> pab(spec);
            case "magcache" -> magCache(spec, model);
            case "easycache" -> easyCache(spec);
            default -> throw new InvalidRequestException(CacheSpec.FIELD, spec.toString(), "allowed: " + String.join(", ", CacheSpec.STRATEGIES));
        };
    }

    private static CacheStrategy teaCache(CacheSpec spec, WanTransformerConfig model) {
        spec.checkNames(Set.of(THRESHOLD, "ret_steps", "model", "calibration"));
        double threshold = spec.number(THRESHOLD, THRESHOLD, 0.08, 0, 10);
        boolean ret = spec.bool("ret_steps", false);
        double[] coefficients;
        CacheCalibration calibration = calibration(spec);
        if (calibration != null) {
            if (calibration.teacache() == null) throw missing(spec, "the calibration file has no teacache section (run reel calibrate --cache teacache)");
            coefficients = ret ? calibration.teacache().e0() : calibration.teacache().e();
        } else {
            WanVariant v = variant(spec, model);
            coefficients = (ret ? TeaCacheCoefficients.E0 : TeaCacheCoefficients.E).get(v);
        }
        return new TeaCache(threshold, ret, coefficients);
    }

    private static CacheStrategy pab(CacheSpec spec) {
        spec.checkNames(Set.of("self", "cross", "window"));
        int self = spec.integer("self", "self", 2, 1, 1000);
        int cross = spec.integer("cross", "self", 0, 0, 1000);
        double[] window = {100, 800};
        String w = spec.raw("window", "self");
        if (w != null) {
            String[] lohi = w.split("-");
            try {
                if (lohi.length != 2) throw new NumberFormatException();
                window = new double[] {Double.parseDouble(lohi[0]), Double.parseDouble(lohi[1])};
            } catch (NumberFormatException e) {
                throw new InvalidRequestException(CacheSpec.FIELD, spec.toString(), "pab window must be LO-HI timesteps, e.g. 100-800, got '" + w + "'");
            }
            if (!(window[0] < window[1])) throw new InvalidRequestException(CacheSpec.FIELD, spec.toString(), "pab window " + w + ": LO must be below HI");
        }
        return new PyramidAttentionBroadcast(new PyramidAttentionBroadcast.Settings(self, cross, window, window));
    }

    private static CacheStrategy magCache(CacheSpec spec, WanTransformerConfig model) {
        spec.checkNames(Set.of(THRESHOLD, "K", "retention", "model", "calibration"));
        double threshold = spec.number(THRESHOLD, THRESHOLD, 0.12, 0, 10);
        int k = spec.integer("K", THRESHOLD, 2, 1, 1000);
        double retention = spec.number("retention", THRESHOLD, 0.2, 0, 1);
        CacheCalibration calibration = calibration(spec);
        MagRatios ratios;
        if (calibration != null) {
            if (calibration.magcache() == null) throw missing(spec, "the calibration file has no magcache section (run reel calibrate --cache magcache)");
            ratios = new MagRatios(calibration.magcache().cond(), calibration.magcache().uncond());
        } else {
            WanVariant v = variant(spec, model);
            ratios = MagCacheRatios.PUBLISHED.get(v);
            if (ratios == null) throw missing(spec, "MagCache publishes ratios for t2v-1.3b and t2v-14b only; calibrate with reel calibrate --cache magcache");
        }
        return new MagCache(threshold, k, retention, ratios);
    }

    private static CacheStrategy easyCache(CacheSpec spec) {
        spec.checkNames(Set.of(THRESHOLD, "ret_steps"));
        return new EasyCache(spec.number(THRESHOLD, THRESHOLD, 0.05, 0, 10), spec.integer("ret_steps", THRESHOLD, 10, 0, 1000));
    }

    private static WanVariant variant(CacheSpec spec, WanTransformerConfig model) {
        String named = spec.raw("model", null);
        if (named != null) {
            WanVariant v = WanVariant.parse(named);
            if (v == null) throw new InvalidRequestException(CacheSpec.FIELD, spec.toString(), spec.strategy() + " model '" + named + "' is unknown; allowed: " + WanVariant.ids());
            return v;
        }
        WanVariant v = WanVariant.of(model);
        if (v == null) {
            throw missing(spec, "this model (" + model.numLayers() + " layers, width " + model.innerDim() + ") has no published " + spec.strategy()
                    + " calibration: run reel calibrate --cache " + spec.strategy() + " and add calibration=FILE, or name one with model=" + WanVariant.ids().replace(", ", "|"));
        }
        return v;
    }

    private static CacheCalibration calibration(CacheSpec spec) {
        String file = spec.raw("calibration", null);
        if (file == null) return null;
        Path p = Path.of(file);
        if (!Files.isRegularFile(p)) throw missing(spec, "calibration file " + file + " does not exist");
        try {
            return CacheCalibration.read(p);
        } catch (ReelException e) {
            throw missing(spec, e.getMessage());
        }
    }

    private static InvalidRequestException missing(CacheSpec spec, String why) {
        return new InvalidRequestException(CacheSpec.FIELD, spec.toString(), why);
    }
}
