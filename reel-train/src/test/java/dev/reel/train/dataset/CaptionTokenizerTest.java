package dev.reel.train.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reel.models.t5.T5Tokenizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer fitted to captions loads in the Hugging Face tokenizers library (through Reel's T5 tokenizer) and cuts as meant. */
class CaptionTokenizerTest {
    @TempDir Path dir;

    @Test void knownWordsAreOnePieceEachAndOthersFallBackToCharacters() {
        List<String> captions = List.of("a red circle moves to the right on a blue background", "a small Yellow square bounces over a grey floor");
        int vocab = CaptionTokenizer.write(captions, dir, 16);
        try (T5Tokenizer t = T5Tokenizer.load(dir.resolve("tokenizer.json"), 16)) {
            long[] ids = t.encode(List.of("a red circle bounces")).ids()[0];
            long[] mask = t.encode(List.of("a red circle bounces")).mask()[0];
            int real = 0;
            for (long m : mask) real += (int) m;
            assertEquals(5, real, "four words, one piece each, and </s>");
            assertEquals(1L, ids[4], "</s> closes the prompt");
            for (int i = 0; i < 4; i++) assertTrue(ids[i] > 2 && ids[i] < vocab, "word " + i + " is a corpus piece: " + ids[i]);
            assertEquals(t.encode(List.of("yellow")).ids()[0][0], t.encode(List.of("YELLOW")).ids()[0][0], "lower-cased");
            long[] other = t.encode(List.of("lion")).ids()[0];   // not a corpus word, but of its letters
            for (int i = 0; i < 3; i++) assertTrue(other[i] != 2 && other[i] != 1, "a word outside the corpus is spelled out, not <unk>");
        }
    }
}
