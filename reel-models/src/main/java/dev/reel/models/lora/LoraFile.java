package dev.reel.models.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.Backends;
import dev.reel.core.DType;
import dev.reel.core.Tensor;
import dev.reel.core.safetensors.SafetensorsException;
import dev.reel.core.safetensors.SafetensorsFile;
import dev.reel.core.safetensors.SafetensorsWriter;
import dev.reel.core.safetensors.TensorInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A LoRA safetensors file in the Diffusers/PEFT key format: {@code [transformer.]MODULE.lora_A.weight}
 * {@code [r, in]} and {@code MODULE.lora_B.weight} {@code [out, r]} per adapted linear, also under PEFT's
 * {@code base_model.model.} prefix. Each module's scale is {@code alpha / r} with alpha, in this order, from a
 * {@code MODULE.alpha} tensor (kohya and older Diffusers files), from PEFT's {@code alpha_pattern} or
 * {@code lora_alpha} in the file's {@code lora_adapter_metadata} (written by Diffusers'
 * {@code save_lora_weights}) or in an {@code adapter_config.json} beside the file (PEFT's
 * {@code save_pretrained}), or else r itself (scale 1, as Diffusers assumes without either).
 * {@code use_rslora} makes it {@code alpha / √r}.
 */
public final class LoraFile implements AutoCloseable {
    /** Where Diffusers keeps the PEFT {@code LoraConfig} in the safetensors header. */
    static final String METADATA_KEY = "lora_adapter_metadata";
    /** The component prefix of Diffusers pipeline-level LoRA files. */
    static final String COMPONENT_PREFIX = "transformer.";
    private static final String PEFT_PREFIX = "base_model.model.";
    private static final String A = ".lora_A.weight";
    private static final String B = ".lora_B.weight";
    private static final String ALPHA = ".alpha";
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * One adapted module as stored.
     *
     * @param module the module's name in the model ({@code blocks.0.attn1.to_q})
     * @param keyA   the file's key of {@code lora_A}
     * @param keyB   the file's key of {@code lora_B}
     * @param rank   r
     * @param in     input features ({@code lora_A}'s columns)
     * @param out    output features ({@code lora_B}'s rows)
     * @param scale  {@code alpha / r} (or {@code alpha / √r} with rsLoRA)
     */
    public record Entry(String module, String keyA, String keyB, int rank, int in, int out, float scale) {}

    private final SafetensorsFile file;
    private final Map<String, Entry> entries;
    private final String alphaSource;

    private LoraFile(SafetensorsFile file, Map<String, Entry> entries, String alphaSource) {
        this.file = file;
        this.entries = entries;
        this.alphaSource = alphaSource;
    }

    /** Opens and checks {@code path}; every problem is a {@link LoraException} naming the key. */
    public static LoraFile open(Path path) {
        if (!Files.isRegularFile(path)) throw new LoraException("LoRA file " + path + " does not exist or is not a file");
        SafetensorsFile f;
        try {
            f = SafetensorsFile.open(path);
        } catch (SafetensorsException e) {
            throw new LoraException("LoRA file " + path + " is not a readable safetensors file: " + e.getMessage(), e);
        }
        try {
            AdapterConfig config = AdapterConfig.find(path, f.metadata());
            return new LoraFile(f, entries(path, f, config), config.source);
        } catch (RuntimeException e) {
            f.close();
            throw e;
        }
    }

    private static Map<String, Entry> entries(Path path, SafetensorsFile f, AdapterConfig config) {
        Map<String, String> keysA = new TreeMap<>(), keysB = new TreeMap<>(), keysAlpha = new TreeMap<>();
        for (String key : f.keys()) {
            String k = key.startsWith(PEFT_PREFIX) ? key.substring(PEFT_PREFIX.length()) : key;
            if (k.startsWith(COMPONENT_PREFIX)) k = k.substring(COMPONENT_PREFIX.length());
            if (k.endsWith(A)) keysA.put(strip(k, A), key);
            else if (k.endsWith(B)) keysB.put(strip(k, B), key);
            else if (k.endsWith(ALPHA)) keysAlpha.put(strip(k, ALPHA), key);
            else throw new LoraException("LoRA file " + path + ": key '" + key + "' " + unsupported(k));
        }
        if (keysA.isEmpty()) throw new LoraException("LoRA file " + path + " holds no '*.lora_A.weight' keys: it is not a LoRA in the Diffusers/PEFT format");
        Map<String, Entry> out = new LinkedHashMap<>();
        for (var e : keysA.entrySet()) {
            String module = e.getKey();
            String keyB = keysB.get(module);
            if (keyB == null) throw new LoraException("LoRA file " + path + ": '" + e.getValue() + "' has no matching '" + module + B + "'");
            int[] a = f.info(e.getValue()).shape(), b = f.info(keyB).shape();
            if (a.length != 2 || b.length != 2 || a[0] != b[1]) {
                throw new LoraException("LoRA file " + path + ": '" + e.getValue() + "' " + Arrays.toString(a) + " and '" + keyB + "' "
                        + Arrays.toString(b) + " are not [r, in] and [out, r] of one rank r");
            }
            int rank = a[0];
            Float alpha = config.alpha(module);
            if (keysAlpha.containsKey(module)) alpha = alphaValue(path, f, keysAlpha.get(module));
            float a0 = alpha == null ? rank : alpha;
            float scale = config.rslora ? (float) (a0 / Math.sqrt(rank)) : a0 / rank;
            out.put(module, new Entry(module, e.getValue(), keyB, rank, a[1], b[0], scale));
        }
        for (var e : keysB.entrySet()) {
            if (!keysA.containsKey(e.getKey())) throw new LoraException("LoRA file " + path + ": '" + e.getValue() + "' has no matching '" + e.getKey() + A + "'");
        }
        for (var e : keysAlpha.entrySet()) {
            if (!keysA.containsKey(e.getKey())) throw new LoraException("LoRA file " + path + ": '" + e.getValue() + "' belongs to no lora_A/lora_B pair");
        }
        return out;
    }

    private static String strip(String key, String suffix) { return key.substring(0, key.length() - suffix.length()); }

    private static String unsupported(String k) {
        if (k.contains("lora_magnitude_vector")) return "is a DoRA magnitude; only plain LoRA (lora_A/lora_B) is supported";
        if (k.endsWith(".lora_A.bias") || k.endsWith(".lora_B.bias")) return "is a LoRA bias (PEFT lora_bias=True), which is not supported";
        if (k.contains("lora_down") || k.contains("lora_up") || k.contains(".lora.down") || k.contains(".lora.up")) {
            return "is in the kohya/old Diffusers naming (lora_down/lora_up); save it in the Diffusers/PEFT format (lora_A/lora_B)";
        }
        return "is not a LoRA weight (expected MODULE.lora_A.weight, MODULE.lora_B.weight or MODULE.alpha)";
    }

    private static float alphaValue(Path path, SafetensorsFile f, String key) {
        TensorInfo info = f.info(key);
        if (info.numel() != 1) throw new LoraException("LoRA file " + path + ": '" + key + "' should hold one number, has shape " + Arrays.toString(info.shape()));
        return f.load(key, DType.F32, Backends.cpu()).item();
    }

    /** The file. */
    public Path path() { return file.path(); }

    /** Every adapted module by its name in the model, sorted. */
    public Map<String, Entry> entries() { return entries; }

    /** Where the alphas came from, for logs ("adapter_config.json", "lora_adapter_metadata", ".alpha keys", or none). */
    public String alphaSource() { return alphaSource; }

    /** The stored tensors (for loading {@link Entry#keyA()} and {@link Entry#keyB()}). */
    public SafetensorsFile tensors() { return file; }

    @Override public void close() { file.close(); }

    /**
     * Writes {@code adapters} (module name → adapter) as a Diffusers pipeline-level LoRA file: keys
     * {@code transformer.MODULE.lora_A.weight}/{@code lora_B.weight} and the PEFT {@code LoraConfig} (r, lora_alpha,
     * target_modules, and rank/alpha patterns for modules that differ) under {@code lora_adapter_metadata}, so
     * Diffusers' {@code load_lora_weights}, PEFT and Reel all read it back with the same scales. Written beside
     * the target and moved into place.
     */
    public static void write(Path path, Map<String, LoraLinear> adapters) {
        if (adapters.isEmpty()) throw new LoraException("no LoRA adapters to save to " + path);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        adapters.forEach((module, a) -> {
            tensors.put(COMPONENT_PREFIX + module + A, a.loraA.weight.get());
            tensors.put(COMPONENT_PREFIX + module + B, a.loraB.weight.get());
        });
        Map<String, String> meta = new LinkedHashMap<>();   // a fixed order: the same adapters give the same bytes
        meta.put("format", "pt");
        meta.put(METADATA_KEY, metadata(adapters));
        SafetensorsWriter.write(path, tensors, meta);
    }

    private static String metadata(Map<String, LoraLinear> adapters) {
        int r = mostCommon(adapters.values().stream().map(LoraLinear::rank).toList());
        float alpha = mostCommon(adapters.values().stream().map(LoraFile::alphaOf).toList());
        ObjectNode config = JSON.createObjectNode();
        ObjectNode rankPattern = JSON.createObjectNode(), alphaPattern = JSON.createObjectNode();
        adapters.forEach((module, a) -> {
            if (a.rank() != r) rankPattern.put(module, a.rank());
            if (alphaOf(a) != alpha) alphaPattern.put(module, alphaOf(a));
        });
        config.put("r", r);
        config.put("lora_alpha", alpha);
        config.set("target_modules", JSON.valueToTree(new ArrayList<>(adapters.keySet())));
        config.set("rank_pattern", rankPattern);
        config.set("alpha_pattern", alphaPattern);
        config.put("lora_dropout", 0.0);
        config.put("bias", "none");
        config.put("use_rslora", false);
        ObjectNode packed = JSON.createObjectNode();   // Diffusers packs each component's config under its prefix
        config.properties().forEach(e -> packed.set(COMPONENT_PREFIX + e.getKey(), e.getValue()));
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(packed);
        } catch (IOException e) {
            throw new LoraException("cannot write the LoRA metadata: " + e.getMessage(), e);
        }
    }

    private static float alphaOf(LoraLinear a) { return a.scale() * a.rank(); }

    private static <T> T mostCommon(Collection<T> values) {
        Map<T, Long> counts = values.stream().collect(Collectors.groupingBy(Function.identity(), LinkedHashMap::new, Collectors.counting()));
        return counts.entrySet().stream().max(Comparator.comparingLong(Map.Entry::getValue)).orElseThrow().getKey();
    }

    /** PEFT's {@code LoraConfig} fields that decide the scale, from the file's metadata or a sibling adapter_config.json. */
    private record AdapterConfig(String source, Float loraAlpha, Map<String, Float> alphaPattern, boolean rslora) {
        static final AdapterConfig NONE = new AdapterConfig("none (alpha = r)", null, Map.of(), false);

        static AdapterConfig find(Path path, Map<String, String> metadata) {
            if (metadata.containsKey(METADATA_KEY)) return parse(path, METADATA_KEY, metadata.get(METADATA_KEY));
            Path sibling = path.toAbsolutePath().resolveSibling("adapter_config.json");
            if (Files.isRegularFile(sibling)) {
                try {
                    return parse(path, sibling.toString(), Files.readString(sibling));
                } catch (IOException e) {
                    throw new LoraException("cannot read " + sibling + ": " + e.getMessage(), e);
                }
            }
            return NONE;
        }

        static AdapterConfig parse(Path path, String source, String json) {
            JsonNode root;
            try {
                root = JSON.readTree(json);
            } catch (IOException e) {
                throw new LoraException("LoRA file " + path + ": " + source + " is not valid JSON: " + e.getMessage(), e);
            }
            if (root == null || !root.isObject()) throw new LoraException("LoRA file " + path + ": " + source + " is not a JSON object");
            Map<String, JsonNode> fields = new LinkedHashMap<>();
            root.properties().forEach(e -> {
                String k = e.getKey();
                if (k.startsWith(COMPONENT_PREFIX)) fields.put(k.substring(COMPONENT_PREFIX.length()), e.getValue());
                else if (!k.contains(".")) fields.putIfAbsent(k, e.getValue());
            });
            Float alpha = fields.containsKey("lora_alpha") && fields.get("lora_alpha").isNumber() ? fields.get("lora_alpha").floatValue() : null;
            Map<String, Float> pattern = new LinkedHashMap<>();
            JsonNode ap = fields.get("alpha_pattern");
            if (ap != null && ap.isObject()) ap.properties().forEach(e -> pattern.put(e.getKey(), e.getValue().floatValue()));
            JsonNode rs = fields.get("use_rslora");
            return new AdapterConfig(source, alpha, pattern, rs != null && rs.asBoolean(false));
        }

        /** PEFT's rule: the first alpha_pattern key equal to the module's name or to a dotted suffix of it (a regex), else lora_alpha. */
        Float alpha(String module) {
            for (var e : alphaPattern.entrySet()) {
                if (module.equals(e.getKey()) || Pattern.compile("(.*\\.)?(" + e.getKey() + ")$").matcher(module).matches()) return e.getValue();
            }
            return loraAlpha;
        }
    }
}
