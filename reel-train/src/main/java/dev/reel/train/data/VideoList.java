package dev.reel.train.data;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The videos to preprocess and their captions: a folder where each {@code NAME.mp4} (or .mov, .mkv, .webm,
 * .avi) has its caption in {@code NAME.txt}, or a CSV file with a header and the columns {@code file,caption}
 * (files relative to the CSV's folder). Videos without a caption become {@link #skipped} lines.
 *
 * @param items   the usable entries, sorted by name (folder) or in file order (CSV)
 * @param skipped one line per entry left out, saying why
 */
public record VideoList(List<Item> items, List<String> skipped) {
    private static final List<String> VIDEO_EXTENSIONS = List.of(".mp4", ".mov", ".mkv", ".webm", ".avi");

    /**
     * @param name    the file name as given (folder: relative to it; CSV: the {@code file} cell)
     * @param file    the resolved path
     * @param caption the caption
     */
    public record Item(String name, Path file, String caption) {}

    /** Reads a folder or a CSV. */
    public static VideoList read(Path folderOrCsv) {
        if (Files.isDirectory(folderOrCsv)) return folder(folderOrCsv);
        if (Files.isRegularFile(folderOrCsv)) return csv(folderOrCsv);
        throw new ReelException("--videos " + folderOrCsv + " is neither a folder nor a CSV file");
    }

    private static VideoList folder(Path dir) {
        List<Item> items = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.sorted().toList()) {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (dot < 0 || !VIDEO_EXTENSIONS.contains(n.substring(dot).toLowerCase(Locale.ROOT)) || !Files.isRegularFile(p)) continue;
                Path txt = p.resolveSibling(n.substring(0, dot) + ".txt");
                if (!Files.isRegularFile(txt)) {
                    skipped.add(n + ": no caption (" + txt.getFileName() + " is missing)");
                    continue;
                }
                String caption = Files.readString(txt).strip();
                if (caption.isEmpty()) skipped.add(n + ": the caption in " + txt.getFileName() + " is empty");
                else items.add(new Item(n, p, caption));
            }
        } catch (IOException e) {
            throw new ReelException("cannot read the folder " + dir + ": " + e.getMessage(), e);
        }
        return new VideoList(List.copyOf(items), List.copyOf(skipped));
    }

    private static VideoList csv(Path file) {
        List<Item> items = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        CsvMapper mapper = new CsvMapper();
        try (MappingIterator<Map<String, String>> it = mapper.readerForMapOf(String.class)
                .with(CsvSchema.emptySchema().withHeader()).readValues(file.toFile())) {
            int line = 1;
            while (it.hasNext()) {
                Map<String, String> row = it.next();
                line++;
                if (line == 2 && (!row.containsKey("file") || !row.containsKey("caption"))) {
                    throw new ReelException("CSV " + file + ": the header must name the columns file and caption, found " + row.keySet());
                }
                String name = row.getOrDefault("file", "").strip(), caption = row.getOrDefault("caption", "").strip();
                if (name.isEmpty()) skipped.add(file.getFileName() + " line " + line + ": no file");
                else if (caption.isEmpty()) skipped.add(name + ": empty caption (" + file.getFileName() + " line " + line + ")");
                else items.add(new Item(name, file.toAbsolutePath().getParent().resolve(name), caption));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof ReelException r) throw r;
            throw new ReelException("CSV " + file + " cannot be read: " + e.getMessage(), e);
        }
        return new VideoList(List.copyOf(items), List.copyOf(skipped));
    }
}
