package dev.reel.models.nn;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A component's {@code config.json}, read with typed accessors. Missing required keys and wrong types throw
 * {@link ConfigException} naming the file and the key; keys no accessor asked for are logged at debug by
 * {@link #logUnknownKeys()} (Diffusers configs carry many that Reel does not need).
 */
public final class ConfigJson {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigJson.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final JsonNode root;
    private final Set<String> used = new HashSet<>();

    private ConfigJson(String source, JsonNode root) {
        this.source = source;
        this.root = root;
    }

    /** Reads and parses a config file. */
    public static ConfigJson read(Path file) {
        if (!Files.isRegularFile(file)) throw new ConfigException(file + ": file not found");
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new ConfigException(file + ": not a JSON object");
            return new ConfigJson(file.toString(), n);
        } catch (IOException e) {
            String why = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
            throw new ConfigException(file + ": invalid JSON (" + why + ")");
        }
    }

    /** Wraps an already-parsed object (e.g. a fixture manifest's config). */
    public static ConfigJson of(String source, JsonNode root) { return new ConfigJson(source, root); }

    /** Where the config came from. */
    public String source() { return source; }

    /** Whether {@code key} is present and not null. */
    public boolean has(String key) { return root.hasNonNull(key); }

    private JsonNode required(String key) {
        used.add(key);
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) throw new ConfigException(source + ": required key \"" + key + "\" is missing");
        return n;
    }

    /** A required integer; a missing key or another type throws {@link ConfigException} naming it. */
    public int getInt(String key) {
        JsonNode n = required(key);
        if (!n.canConvertToInt() || !n.isIntegralNumber()) throw wrongType(key, n, "an integer");
        return n.intValue();
    }

    /** An optional integer, {@code def} when absent. */
    public int getInt(String key, int def) { return has(key) ? getInt(key) : markDefault(key, def); }

    /** A required number. */
    public double getDouble(String key) {
        JsonNode n = required(key);
        if (!n.isNumber()) throw wrongType(key, n, "a number");
        return n.doubleValue();
    }

    /** An optional number, {@code def} when absent. */
    public double getDouble(String key, double def) { return has(key) ? getDouble(key) : markDefault(key, def); }

    /** An optional boolean, {@code def} when absent. */
    public boolean getBoolean(String key, boolean def) {
        if (!has(key)) return markDefault(key, def);
        JsonNode n = required(key);
        if (!n.isBoolean()) throw wrongType(key, n, "true or false");
        return n.booleanValue();
    }

    /** A required string. */
    public String getString(String key) {
        JsonNode n = required(key);
        if (!n.isTextual()) throw wrongType(key, n, "a string");
        return n.textValue();
    }

    /** An optional string, {@code def} when absent. */
    public String getString(String key, String def) { return has(key) ? getString(key) : markDefault(key, def); }

    /** A required array of integers. */
    public int[] getIntArray(String key) {
        JsonNode n = requiredArray(key, JsonNode::isIntegralNumber, "an array of integers");
        int[] out = new int[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).intValue();
        return out;
    }

    /** A required array of numbers. */
    public double[] getDoubleArray(String key) {
        JsonNode n = requiredArray(key, JsonNode::isNumber, "an array of numbers");
        double[] out = new double[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).doubleValue();
        return out;
    }

    /** A required array of booleans. */
    public boolean[] getBooleanArray(String key) {
        JsonNode n = requiredArray(key, JsonNode::isBoolean, "an array of booleans");
        boolean[] out = new boolean[n.size()];
        for (int i = 0; i < out.length; i++) out[i] = n.get(i).booleanValue();
        return out;
    }

    /** A required array of strings. */
    public List<String> getStringList(String key) {
        JsonNode n = requiredArray(key, JsonNode::isTextual, "an array of strings");
        List<String> out = new ArrayList<>(n.size());
        for (JsonNode e : n) out.add(e.textValue());
        return List.copyOf(out);
    }

    /** The array at {@code key}, checked to hold only elements {@code element} accepts. */
    private JsonNode requiredArray(String key, Predicate<JsonNode> element, String expected) {
        JsonNode n = required(key);
        if (!n.isArray()) throw wrongType(key, n, expected);
        for (JsonNode e : n) if (!element.test(e)) throw wrongType(key, n, expected);
        return n;
    }

    /** The raw node (null if absent), marked as used. */
    public JsonNode node(String key) {
        used.add(key);
        return root.get(key);
    }

    /** Logs, at debug, every key no accessor read (underscore-prefixed metadata excluded). */
    public void logUnknownKeys() {
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!used.contains(k) && !k.startsWith("_")) unknown.add(k);
        }
        if (!unknown.isEmpty()) LOG.debug("{}: ignoring keys {}", source, unknown);
    }

    private <T> T markDefault(String key, T def) {
        used.add(key);
        return def;
    }

    private ConfigException wrongType(String key, JsonNode n, String expected) {
        return new ConfigException(source + ": key \"" + key + "\" is " + n + ", expected " + expected);
    }
}
