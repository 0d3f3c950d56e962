package dev.reel.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The weights of one model: a single {@code .safetensors} file, or shards listed by a
 * {@code *.safetensors.index.json} whose {@code weight_map} maps each tensor name to its shard file (as the
 * Hugging Face libraries write them). Every shard is mapped and validated on open; tensors are read lazily.
 */
public final class Checkpoint implements TensorSource {
    static final String INDEX_SUFFIX = ".safetensors.index.json";

    private final Path path;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> owner;
    private final Map<String, String> metadata;

    private Checkpoint(Path path, List<SafetensorsFile> files, Map<String, SafetensorsFile> owner, Map<String, String> metadata) {
        this.path = path;
        this.files = files;
        this.owner = owner;
        this.metadata = metadata;
    }

    /**
     * Opens a checkpoint from a {@code .safetensors} file, a {@code *.safetensors.index.json}, or a folder
     * holding exactly one index (preferred) or exactly one {@code .safetensors} file (as a Diffusers component
     * folder does).
     */
    public static Checkpoint open(Path path) {
        if (Files.isDirectory(path)) return open(findIn(path));
        if (path.getFileName().toString().endsWith(".index.json")) return openIndex(path);
        SafetensorsFile f = SafetensorsFile.open(path);
        Map<String, SafetensorsFile> owner = new TreeMap<>();
        for (String k : f.keys()) owner.put(k, f);
        return new Checkpoint(path, List.of(f), owner, f.metadata());
    }

    private static Path findIn(Path dir) {
        List<Path> indexes = list(dir, INDEX_SUFFIX);
        if (indexes.size() == 1) return indexes.getFirst();
        if (indexes.size() > 1) throw new SafetensorsException(dir, "folder holds several sharded indexes " + names(indexes) + "; name one");
        List<Path> files = list(dir, ".safetensors");
        if (files.size() == 1) return files.getFirst();
        if (files.isEmpty()) throw new SafetensorsException(dir, "folder holds no .safetensors file and no " + INDEX_SUFFIX);
        throw new SafetensorsException(dir, "folder holds several .safetensors files " + names(files) + " and no " + INDEX_SUFFIX + " naming their roles; name one");
    }

    private static List<Path> list(Path dir, String suffix) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(suffix) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new SafetensorsException(dir, "cannot list the folder (" + e + ")", e);
        }
    }

    private static String names(List<Path> ps) {
        return ps.stream().map(p -> p.getFileName().toString()).toList().toString();
    }

    private static Checkpoint openIndex(Path index) {
        JsonNode root;
        try {
            root = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION).readTree(index.toFile());
        } catch (IOException e) {
            throw new SafetensorsException(index, "cannot read the sharded index as JSON (" + e.getMessage() + ")", e);
        }
        if (root == null || !root.isObject()) throw new SafetensorsException(index, "sharded index is not a JSON object");
        JsonNode map = root.get("weight_map");
        if (map == null || !map.isObject()) throw new SafetensorsException(index, "sharded index has no 'weight_map' object");

        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode meta = root.get("metadata");
        if (meta != null && meta.isObject()) for (Map.Entry<String, JsonNode> m : meta.properties()) metadata.put(m.getKey(), m.getValue().asText());

        Path dir = index.toAbsolutePath().getParent();
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> owner = new TreeMap<>();
        try {
            for (Map.Entry<String, JsonNode> e : map.properties()) {
                if (!e.getValue().isTextual()) throw new SafetensorsException(index, "weight_map entry '" + e.getKey() + "' is not a file name");
                String shardName = e.getValue().textValue();
                SafetensorsFile shard = shards.get(shardName);
                if (shard == null) {
                    Path p = dir.resolve(shardName).normalize();
                    if (!p.startsWith(dir)) throw new SafetensorsException(index, "shard '" + shardName + "' lies outside the index's folder");
                    if (!Files.isRegularFile(p)) throw new SafetensorsException(index, "shard '" + shardName + "' (of tensor '" + e.getKey() + "') does not exist");
                    shard = SafetensorsFile.open(p);
                    shards.put(shardName, shard);
                }
                if (!shard.contains(e.getKey())) throw new SafetensorsException(index, "weight_map puts tensor '" + e.getKey() + "' in shard '" + shardName + "', which does not hold it");
                owner.put(e.getKey(), shard);
            }
        } catch (RuntimeException ex) {
            shards.values().forEach(SafetensorsFile::close);
            throw ex;
        }
        return new Checkpoint(index, new ArrayList<>(shards.values()), owner, Collections.unmodifiableMap(metadata));
    }

    /** The file or index this checkpoint was opened from. */
    public Path path() { return path; }

    /** The mapped files (one, or the shards in index order). */
    public List<SafetensorsFile> files() { return Collections.unmodifiableList(files); }

    @Override public Set<String> keys() { return Collections.unmodifiableSet(owner.keySet()); }

    @Override public boolean contains(String key) { return owner.containsKey(key); }

    @Override public TensorInfo info(String key) { return shardOf(key).info(key); }

    @Override public MemorySegment segment(String key) { return shardOf(key).segment(key); }

    @Override public Map<String, String> metadata() { return metadata; }

    private SafetensorsFile shardOf(String key) {
        SafetensorsFile f = owner.get(key);
        if (f == null) throw new SafetensorsException(path, "no tensor named '" + key + "' in this checkpoint (" + owner.size() + " tensors)");
        return f;
    }

    @Override public void close() {
        files.forEach(SafetensorsFile::close);
    }

    @Override public String toString() { return "Checkpoint[" + path + ", " + owner.size() + " tensors in " + files.size() + " file(s)]"; }
}
