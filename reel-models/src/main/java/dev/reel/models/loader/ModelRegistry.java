package dev.reel.models.loader;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.core.Backend;
import dev.reel.core.DType;
import dev.reel.models.clip.ClipImageProcessor;
import dev.reel.models.clip.ClipVisionConfig;
import dev.reel.models.clip.ClipVisionModel;
import dev.reel.models.nn.ConfigJson;
import dev.reel.models.nn.Module;
import dev.reel.models.t5.UMT5EncoderModel;
import dev.reel.models.t5.Umt5Config;
import dev.reel.models.wan.AutoencoderKLWan;
import dev.reel.models.wan.WanTransformer3DModel;
import dev.reel.models.wan.WanVaeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Maps the class names a checkpoint uses — Diffusers' {@code _class_name}, Transformers' {@code architectures},
 * tokenizer and scheduler classes — to Reel's implementations, and knows how to build each from its folder:
 * with the checkpoint's weights, with seeded random weights from its config alone, or as an empty module
 * tree (for parameter counts).
 */
public final class ModelRegistry {

    /** What a component does in a pipeline. */
    public enum Kind { TOKENIZER, TEXT_ENCODER, TRANSFORMER, VAE, SCHEDULER, IMAGE_ENCODER, IMAGE_PROCESSOR }

    /** Loads a component from its folder with the checkpoint's weights. */
    @FunctionalInterface
    public interface Loader { Object load(Path folder, DType dtype, Backend backend); }

    /** Builds a component from its folder's config with seeded random weights. */
    @FunctionalInterface
    public interface RandomBuilder { Object random(Path folder, long seed, DType dtype, Backend backend); }

    /** Builds a component's module tree from its config, allocating no weights. */
    @FunctionalInterface
    public interface Skeleton { Module build(Path folder); }

    /**
     * One supported class.
     *
     * @param className the checkpoint's class name
     * @param kind      its role
     * @param type      the Java class {@link Loader} returns
     * @param loader    loads it with its weights
     * @param random    builds it with random weights (for tokenizers and schedulers: the same as loading)
     * @param skeleton  its module tree without weights; null for components that are not modules
     */
    public record Entry(String className, Kind kind, Class<?> type, Loader loader, RandomBuilder random, Skeleton skeleton) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** The classes Reel implements (Wan2.1 text- and image-to-video). */
    public static ModelRegistry standard() {
        ModelRegistry r = new ModelRegistry();
        r.register(new Entry("WanTransformer3DModel", Kind.TRANSFORMER, WanTransformer3DModel.class,
                WanTransformer3DModel::load,
                (f, seed, dt, b) -> WanTransformer3DModel.random(WanTransformer3DModel.fromConfig(config(f)).config(), seed, dt, b),
                f -> WanTransformer3DModel.fromConfig(config(f))));
        r.register(new Entry("AutoencoderKLWan", Kind.VAE, AutoencoderKLWan.class,
                AutoencoderKLWan::load,
                (f, seed, dt, b) -> AutoencoderKLWan.random(WanVaeConfig.fromConfig(config(f)), seed, dt, b),
                f -> AutoencoderKLWan.fromConfig(config(f))));
        r.register(new Entry("UMT5EncoderModel", Kind.TEXT_ENCODER, UMT5EncoderModel.class,
                UMT5EncoderModel::load,
                (f, seed, dt, b) -> UMT5EncoderModel.random(Umt5Config.read(f), seed, dt, b),
                f -> new UMT5EncoderModel(Umt5Config.read(f))));
        r.register(new Entry("CLIPVisionModel", Kind.IMAGE_ENCODER, ClipVisionModel.class,
                ClipVisionModel::load,
                (f, seed, dt, b) -> ClipVisionModel.random(ClipVisionConfig.fromConfig(config(f)), seed, dt, b),
                f -> new ClipVisionModel(ClipVisionConfig.fromConfig(config(f)))));
        for (String p : List.of("CLIPImageProcessor", "CLIPImageProcessorFast", "CLIPImageProcessorPil")) {
            r.register(new Entry(p, Kind.IMAGE_PROCESSOR, ClipImageProcessor.class,
                    (f, dt, b) -> ClipImageProcessor.read(f), (f, seed, dt, b) -> ClipImageProcessor.read(f), null));
        }
        for (String tok : List.of("T5Tokenizer", "T5TokenizerFast")) {
            r.register(new Entry(tok, Kind.TOKENIZER, TokenizerFolder.class,
                    (f, dt, b) -> TokenizerFolder.open(f), (f, seed, dt, b) -> TokenizerFolder.open(f), null));
        }
        for (String s : List.of("UniPCMultistepScheduler", "FlowMatchEulerDiscreteScheduler")) {
            r.register(new Entry(s, Kind.SCHEDULER, SchedulerFolder.class,
                    (f, dt, b) -> SchedulerFolder.open(f), (f, seed, dt, b) -> SchedulerFolder.open(f), null));
        }
        return r;
    }

    /** Adds (or replaces) an entry. */
    public void register(Entry e) { entries.put(e.className(), e); }

    /** Every supported class name. */
    public List<String> supported() { return new ArrayList<>(entries.keySet()); }

    /** The entry for {@code className}; throws {@link UnknownComponentException} listing the supported ones. */
    public Entry lookup(String className, String where) {
        Entry e = entries.get(className);
        if (e == null) throw new UnknownComponentException(where, className, supported());
        return e;
    }

    /**
     * The entry for a pipeline component: by the class {@code model_index.json} names or, failing that, by the
     * {@code architectures} of a Transformers {@code config.json} in its folder.
     */
    public Entry resolve(ModelIndex index, ModelIndex.Component c) {
        Entry e = entries.get(c.className());
        if (e != null) return e;
        Path cfg = index.folder(c).resolve("config.json");
        if (Files.isRegularFile(cfg)) {
            JsonNode arch = ConfigJson.read(cfg).node("architectures");
            if (arch != null && arch.isArray()) {
                for (JsonNode a : arch) if (a.isTextual() && entries.containsKey(a.textValue())) return entries.get(a.textValue());
            }
        }
        throw new UnknownComponentException(index.dir().resolve(ModelIndex.FILE) + " component \"" + c.name() + "\"", c.className(), supported());
    }

    private static ConfigJson config(Path folder) { return ConfigJson.read(folder.resolve("config.json")); }
}
