package dev.reel.models.loader;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.models.nn.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A Diffusers pipeline folder's {@code model_index.json}: the pipeline class and, per component, the library
 * and class that implement it ({@code "transformer": ["diffusers", "WanTransformer3DModel"]}). Components
 * listed as {@code [null, null]} (unused optional slots such as Wan's {@code transformer_2}) are left out.
 *
 * @param dir           the pipeline folder
 * @param pipelineClass {@code _class_name}, e.g. {@code WanPipeline}
 * @param components    the used components, in file order
 * @param boundaryRatio   Wan2.2 A14B's expert switch ({@code boundary_ratio}): {@code transformer} denoises timesteps
 *                        ≥ boundaryRatio · num_train_timesteps, {@code transformer_2} the rest; null: one transformer
 * @param expandTimesteps Wan2.2 TI2V's per-token timesteps ({@code expand_timesteps})
 */
public record ModelIndex(Path dir, String pipelineClass, List<Component> components, Double boundaryRatio, boolean expandTimesteps) {
    /** The index file's name. */
    public static final String FILE = "model_index.json";

    /**
     * One component slot.
     *
     * @param name      the slot and sub-folder name ({@code text_encoder})
     * @param library   {@code diffusers} or {@code transformers}
     * @param className the class the reference instantiates ({@code UMT5EncoderModel})
     */
    public record Component(String name, String library, String className) {}

    public ModelIndex {
        components = List.copyOf(components);
    }

    /** Reads {@code dir/model_index.json}; a missing or malformed file throws {@link ConfigException} naming it. */
    public static ModelIndex read(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isDirectory(dir)) throw new ConfigException(dir + ": not a folder (expected a Diffusers pipeline folder with " + FILE + ")");
        if (!Files.isRegularFile(file)) throw new ConfigException(file + ": file not found (is " + dir + " a Diffusers pipeline folder?)");
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new ConfigException(file + ": invalid JSON (" + e.getMessage() + ")");
        }
        if (root == null || !root.isObject()) throw new ConfigException(file + ": not a JSON object");
        JsonNode cls = root.get("_class_name");
        if (cls == null || !cls.isTextual()) throw new ConfigException(file + ": required key \"_class_name\" is missing");
        List<Component> comps = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            var e = it.next();
            if (e.getKey().startsWith("_")) continue;
            JsonNode v = e.getValue();
            if (!v.isArray()) continue;  // pipeline options such as "boundary_ratio": null or "expand_timesteps": false
            if (v.size() != 2) throw new ConfigException(file + ": component \"" + e.getKey() + "\" must be [library, class], found " + v);
            if (v.get(0).isNull() && v.get(1).isNull()) continue;
            if (!v.get(0).isTextual() || !v.get(1).isTextual()) throw new ConfigException(file + ": component \"" + e.getKey() + "\" must be [library, class], found " + v);
            comps.add(new Component(e.getKey(), v.get(0).textValue(), v.get(1).textValue()));
        }
        Double boundary = null;
        JsonNode b = root.get("boundary_ratio");
        if (b != null && !b.isNull()) {
            if (!b.isNumber() || b.doubleValue() <= 0 || b.doubleValue() >= 1) {
                throw new ConfigException(file + ": \"boundary_ratio\" must be a number between 0 and 1 (exclusive) or null, found " + b);
            }
            boundary = b.doubleValue();
        }
        JsonNode e = root.get("expand_timesteps");
        if (e != null && !e.isNull() && !e.isBoolean()) throw new ConfigException(file + ": \"expand_timesteps\" must be true or false, found " + e);
        return new ModelIndex(dir, cls.textValue(), comps, boundary, e != null && e.asBoolean(false));
    }

    /** True if slot {@code name} is used (listed with a library and class). */
    public boolean has(String name) {
        for (Component c : components) if (c.name().equals(name)) return true;
        return false;
    }

    /** The component named {@code name}; throws {@link ConfigException} naming the components present. */
    public Component component(String name) {
        for (Component c : components) if (c.name().equals(name)) return c;
        throw new ConfigException(dir.resolve(FILE) + ": pipeline has no component \"" + name + "\"; it has " + components.stream().map(Component::name).toList());
    }

    /** The component's sub-folder. */
    public Path folder(Component c) { return dir.resolve(c.name()); }
}
