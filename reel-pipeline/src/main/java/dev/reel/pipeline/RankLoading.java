package dev.reel.pipeline;

import dev.reel.core.Device;
import dev.reel.models.loader.LoadOptions;
import dev.reel.models.loader.PipelineComponents;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;

/** How a {@link VideoGenerator} loads its ranks' components: rank 0 everything, the other devices what their ranks run. */
final class RankLoading {
    /** Slots only rank 0 needs: the text encoder runs once and is broadcast, the VAE decodes on rank 0. */
    static final Set<String> LEADER_ONLY = Set.of(VideoGenerator.TEXT_ENCODER, "vae");

    private RankLoading() {}

    /**
     * Loads each rank's components with {@code loader(options, omitted slots)}: rank 0 everything, each other device
     * only what the transformer's ranks need; ranks on a device already loaded (the CPU) share its components. On a
     * failure what was loaded is closed.
     */
    static List<PipelineComponents> load(GeneratorOptions options, BiFunction<LoadOptions, Set<String>, PipelineComponents> loader) {
        Map<Device, PipelineComponents> byDevice = new LinkedHashMap<>();
        List<PipelineComponents> out = new ArrayList<>();
        try {
            for (Device d : options.devices()) {
                PipelineComponents c = byDevice.get(d);
                if (c == null) {
                    c = loader.apply(loadOptions(options.withDevice(d)), byDevice.isEmpty() ? Set.of() : LEADER_ONLY);
                    byDevice.put(d, c);
                }
                out.add(c);
            }
        } catch (RuntimeException e) {
            byDevice.values().forEach(PipelineComponents::close);
            throw e;
        }
        return out;
    }

    /** The slots of {@code a} and {@code b}. */
    static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> u = new HashSet<>(a);
        u.addAll(b);
        return u;
    }

    private static LoadOptions loadOptions(GeneratorOptions o) {
        return new LoadOptions(o.device(), o.dtype(), o.effectiveTextEncoderDtype(), o.effectiveVaeDtype(), o.system());
    }
}
