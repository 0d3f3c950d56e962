package dev.reel.models.loader;

import dev.reel.core.ReelException;
import dev.reel.models.t5.T5Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A pipeline's {@code tokenizer/} component. The tokenizer pads and truncates to a fixed length, which a
 * request chooses ({@code max_sequence_length}), so one {@link T5Tokenizer} is made per length asked for.
 */
public final class TokenizerFolder implements AutoCloseable {
    private final Path file;
    private final Map<Integer, T5Tokenizer> byLength = new ConcurrentHashMap<>();

    private TokenizerFolder(Path file) { this.file = file; }

    /** Opens {@code folder/tokenizer.json} (or the given {@code tokenizer.json} itself). */
    public static TokenizerFolder open(Path folderOrFile) {
        Path f = Files.isDirectory(folderOrFile) ? folderOrFile.resolve("tokenizer.json") : folderOrFile;
        if (!Files.isRegularFile(f)) throw new ReelException(f + ": file not found (Reel reads the fast tokenizer's tokenizer.json)");
        return new TokenizerFolder(f);
    }

    /** The {@code tokenizer.json}. */
    public Path file() { return file; }

    /** The tokenizer producing exactly {@code maxLength} ids per prompt. */
    public T5Tokenizer forLength(int maxLength) {
        return byLength.computeIfAbsent(maxLength, n -> T5Tokenizer.load(file, n));
    }

    @Override public void close() {
        byLength.values().forEach(T5Tokenizer::close);
        byLength.clear();
    }
}
