package dev.reel.core.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * One {@code .safetensors} file, memory-mapped with FFM: opening reads and validates only the header; tensor
 * bytes are paged in by the OS when a {@link #segment} is read, never copied as a whole.
 *
 * <p>Layout: an 8-byte little-endian header length {@code N}, {@code N} bytes of UTF-8 JSON (an object of
 * {@code name → {dtype, shape, data_offsets: [begin, end]}} plus optional {@code __metadata__} of strings),
 * then the data section, to which the offsets are relative. Opening checks what the Hugging Face library
 * checks, and throws {@link SafetensorsException} naming the file and the problem: header length beyond
 * the file, header not a JSON object, duplicate keys, unknown dtype, negative or oversized dimensions,
 * offsets not matching shape × dtype, overlapping or with gaps, running past the data (a truncated file),
 * or data left over after the last tensor.
 *
 * <p>The mapping lives in a shared arena, so segments may be read from any thread until {@link #close()}.
 * A file truncated by another process after opening cannot be detected and may crash the reader on access.
 */
public final class SafetensorsFile implements TensorSource {
    /** The Hugging Face library's limit on the header size. */
    static final long MAX_HEADER_BYTES = 100_000_000L;
    static final String METADATA_KEY = "__metadata__";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path path;
    private final Arena arena;
    private final MemorySegment data;
    private final Map<String, TensorInfo> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, MemorySegment data, Map<String, TensorInfo> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.data = data;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Maps a file and validates its header; throws {@link SafetensorsException} if it is not a valid safetensors file. */
    public static SafetensorsFile open(Path path) {
        Arena arena = Arena.ofShared();
        try {
            MemorySegment whole;
            try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
                whole = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size(), arena);
            } catch (IOException e) {
                throw new SafetensorsException(path, "cannot read the file (" + e + ")", e);
            }
            long size = whole.byteSize();
            if (size < 8) throw new SafetensorsException(path, "file is " + size + " bytes, too short to hold the 8-byte header length");
            long n = whole.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n <= 0 || n > MAX_HEADER_BYTES) throw new SafetensorsException(path, "header length " + Long.toUnsignedString(n) + " is not in 1.." + MAX_HEADER_BYTES + " (not a safetensors file?)");
            if (n > size - 8) throw new SafetensorsException(path, "header length " + n + " exceeds the " + (size - 8) + " bytes after the length field (truncated file?)");
            byte[] header = whole.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = whole.asSlice(8 + n);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, TensorInfo> tensors = parseHeader(path, header, data.byteSize(), metadata);
            return new SafetensorsFile(path, arena, data, tensors, Collections.unmodifiableMap(metadata));
        } catch (RuntimeException e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, TensorInfo> parseHeader(Path path, byte[] header, long dataSize, Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(header);
        } catch (JsonProcessingException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new SafetensorsException(path, "header is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new SafetensorsException(path, "header is not a JSON object");

        Map<String, TensorInfo> tensors = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : root.properties()) {
            String key = e.getKey();
            JsonNode v = e.getValue();
            if (key.equals(METADATA_KEY)) {
                readMetadata(path, v, metadata);
                continue;
            }
            tensors.put(key, parseEntry(path, key, v, dataSize));
        }
        checkLayout(path, tensors, dataSize);
        return tensors;
    }

    private static void readMetadata(Path path, JsonNode v, Map<String, String> out) {
        if (!v.isObject()) throw new SafetensorsException(path, METADATA_KEY + " is not a JSON object");
        for (Map.Entry<String, JsonNode> m : v.properties()) {
            if (!m.getValue().isTextual()) throw new SafetensorsException(path, METADATA_KEY + " value of '" + m.getKey() + "' is not a string");
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static TensorInfo parseEntry(Path path, String key, JsonNode v, long dataSize) {
        String where = "tensor '" + key + "'";
        if (!v.isObject()) throw new SafetensorsException(path, where + " is not a JSON object");
        JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
        if (dt == null || !dt.isTextual()) throw new SafetensorsException(path, where + " has no string 'dtype'");
        if (sh == null || !sh.isArray()) throw new SafetensorsException(path, where + " has no 'shape' array");
        if (off == null || !off.isArray() || off.size() != 2) throw new SafetensorsException(path, where + " has no 'data_offsets' pair [begin, end]");

        DType dtype = DType.fromSafetensors(dt.textValue());
        if (dtype == null) throw new SafetensorsException(path, where + " has dtype '" + dt.textValue() + "', which Reel cannot read; known: " + knownDtypes());

        int[] shape = new int[sh.size()];
        long numel = 1;
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.isIntegralNumber() || !d.canConvertToInt() || d.intValue() < 0) throw new SafetensorsException(path, where + " has invalid dimension " + d + " in shape " + sh + " (dimensions are integers in 0.." + Integer.MAX_VALUE + ")");
            shape[i] = d.intValue();
            try {
                numel = Math.multiplyExact(numel, shape[i]);
            } catch (ArithmeticException ex) {
                throw new SafetensorsException(path, where + " shape " + sh + " has too many elements");
            }
        }
        long[] o = new long[2];
        for (int i = 0; i < 2; i++) {
            JsonNode x = off.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToLong() || x.longValue() < 0) throw new SafetensorsException(path, where + " has invalid data_offsets " + off);
            o[i] = x.longValue();
        }
        if (o[1] < o[0]) throw new SafetensorsException(path, where + " data_offsets " + off + " end before they begin");
        long expected;
        try {
            expected = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException ex) {
            throw new SafetensorsException(path, where + " shape " + sh + " has too many bytes");
        }
        if (o[1] - o[0] != expected) throw new SafetensorsException(path, where + " of " + dtype + " shape " + Arrays.toString(shape) + " needs " + expected + " bytes but data_offsets " + off + " span " + (o[1] - o[0]));
        if (o[1] > dataSize) throw new SafetensorsException(path, where + " data_offsets " + off + " run past the end of the data section (" + dataSize + " bytes; truncated file?)");
        return new TensorInfo(key, dtype, shape, o[0], o[1]);
    }

    /** Tensors must tile the data section exactly, in offset order: no overlap, no gap, nothing left over. */
    private static void checkLayout(Path path, Map<String, TensorInfo> tensors, long dataSize) {
        List<TensorInfo> byOffset = new ArrayList<>(tensors.values());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long pos = 0;
        TensorInfo prev = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < pos) throw new SafetensorsException(path, "tensor '" + t.name() + "' bytes [" + t.begin() + ", " + t.end() + ") overlap tensor '" + prev.name() + "' [" + prev.begin() + ", " + prev.end() + ")");
            if (t.begin() > pos) throw new SafetensorsException(path, "gap of " + (t.begin() - pos) + " unused bytes before tensor '" + t.name() + "' at data offset " + pos);
            pos = t.end();
            prev = t;
        }
        if (pos != dataSize) throw new SafetensorsException(path, "data section has " + dataSize + " bytes but the tensors cover " + pos);
    }

    private static String knownDtypes() {
        StringBuilder b = new StringBuilder();
        for (DType d : DType.values()) b.append(b.isEmpty() ? "" : ", ").append(d.safetensorsName());
        return b.toString();
    }

    /** The file's path. */
    public Path path() { return path; }

    @Override public Set<String> keys() { return Collections.unmodifiableSet(tensors.keySet()); }

    @Override public boolean contains(String key) { return tensors.containsKey(key); }

    @Override public TensorInfo info(String key) {
        TensorInfo t = tensors.get(key);
        if (t == null) throw new SafetensorsException(path, "no tensor named '" + key + "' (the file has " + tensors.size() + " tensors" + (tensors.isEmpty() ? "" : ", e.g. '" + tensors.keySet().iterator().next() + "'") + ")");
        return t;
    }

    @Override public MemorySegment segment(String key) {
        TensorInfo t = info(key);
        if (!arena.scope().isAlive()) throw new SafetensorsException(path, "file was closed; cannot read tensor '" + key + "'");
        return data.asSlice(t.begin(), t.byteSize());
    }

    @Override public Map<String, String> metadata() { return metadata; }

    @Override public void close() {
        if (arena.scope().isAlive()) arena.close();
    }

    @Override public String toString() { return "SafetensorsFile[" + path + ", " + tensors.size() + " tensors]"; }
}
