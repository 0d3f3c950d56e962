package dev.reel.core.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.FileOps;
import dev.reel.core.DType;
import dev.reel.core.Half;
import dev.reel.core.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Writes F32, BF16 and F16 tensors (any device, any view) as a {@code .safetensors} file laid out as the
 * Hugging Face library lays it out: tensors ordered by element size (largest first) then name, so each
 * stays aligned to its element size; the JSON header padded with spaces to a multiple of 8 bytes. The file
 * is written beside the target and moved into place, so readers never see a half-written file.
 */
public final class SafetensorsWriter {
    private static final int CHUNK_ELEMENTS = 1 << 16;

    private SafetensorsWriter() {}

    /** Writes {@code tensors} with no metadata. */
    public static void write(Path file, Map<String, Tensor> tensors) {
        write(file, tensors, Map.of());
    }

    /** Writes {@code tensors} and the string {@code metadata} (stored as {@code __metadata__}; may be empty). */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) {
        List<Map.Entry<String, Tensor>> order = new ArrayList<>(tensors.entrySet());
        for (Map.Entry<String, Tensor> e : order) {
            String k = e.getKey();
            DType d = e.getValue().dtype();
            if (k.isEmpty() || k.equals(SafetensorsFile.METADATA_KEY)) throw new SafetensorsException(file, "tensor name '" + k + "' is not allowed");
            if (d != DType.F32 && d != DType.BF16 && d != DType.F16) throw new SafetensorsException(file, "tensor '" + k + "' is " + d + "; the writer stores F32, BF16 and F16");
        }
        order.sort(Comparator.<Map.Entry<String, Tensor>>comparingInt(e -> -e.getValue().dtype().byteSize()).thenComparing(Map.Entry::getKey));

        byte[] header = header(order, metadata);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Map.Entry<String, Tensor> e : order) writeData(ch, e.getValue());
            }
            FileOps.moveIntoPlace(tmp, file);
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the original error is the one to report
            }
            throw new SafetensorsException(file, "cannot write the file (" + e + ")", e);
        }
    }

    /** The JSON header, padded with spaces to a multiple of 8 bytes. */
    private static byte[] header(List<Map.Entry<String, Tensor>> order, Map<String, String> metadata) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = json.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject(SafetensorsFile.METADATA_KEY);
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : order) {
            Tensor t = e.getValue();
            long bytes = t.numel() * t.dtype().byteSize();
            ObjectNode o = root.putObject(e.getKey());
            o.put("dtype", t.dtype().safetensorsName());
            ArrayNode shape = o.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            o.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] raw = root.toString().getBytes(StandardCharsets.UTF_8);
        byte[] padded = Arrays.copyOf(raw, (raw.length + 7) / 8 * 8);
        Arrays.fill(padded, raw.length, padded.length, (byte) ' ');
        return padded;
    }

    /** Streams one tensor's elements in little-endian order, a chunk at a time. */
    private static void writeData(FileChannel ch, Tensor t) throws IOException {
        float[] values = t.toFloatArray();
        DType d = t.dtype();
        ByteBuffer buf = ByteBuffer.allocate(CHUNK_ELEMENTS * d.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.length; ) {
            buf.clear();
            int end = Math.min(values.length, i + CHUNK_ELEMENTS);
            for (; i < end; i++) {
                switch (d) {
                    case F32 -> buf.putFloat(values[i]);
                    case BF16 -> buf.putShort(Half.floatToBf16(values[i]));
                    case F16 -> buf.putShort(Half.floatToF16(values[i]));
                    default -> throw new IllegalStateException(d.toString());
                }
            }
            writeFully(ch, buf.flip());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }
}
