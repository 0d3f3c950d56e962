package dev.reel.train.dataset;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A T5-style tokenizer fitted to a caption corpus: a Hugging Face {@code tokenizers} Unigram model (what T5's
 * {@code tokenizer.json} is) whose pieces are the corpus's words, scored by their log frequency, plus every
 * character seen as a fallback piece, so a word outside the corpus still tokenizes (character by character) rather
 * than to {@code <unk>}. The layout (special tokens {@code <pad>}=0, {@code </s>}=1, {@code <unk>}=2, NFKC and
 * strip normalisation, Metaspace pre-tokenisation, {@code </s>} appended) is T5's, so Reel's {@code T5Tokenizer}
 * and Transformers both load it.
 */
public final class CaptionTokenizer {
    private static final String SPACE = "\u2581";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CaptionTokenizer() {}

    /** The pieces with their scores (log probabilities), in id order after the three special tokens. */
    static Map<String, Double> pieces(Collection<String> captions) {
        Map<String, Integer> words = new TreeMap<>();
        TreeSet<String> chars = new TreeSet<>();
        long total = 0;
        for (String c : captions) {
            for (String w : c.toLowerCase(Locale.ROOT).strip().split("\\s+")) {
                if (w.isEmpty()) continue;
                words.merge(SPACE + w, 1, Integer::sum);
                total++;
                w.codePoints().forEach(cp -> chars.add(new String(Character.toChars(cp))));
            }
        }
        if (words.isEmpty()) throw new ReelException("cannot fit a tokenizer: the captions have no words");
        Map<String, Double> out = new java.util.LinkedHashMap<>();
        for (var e : words.entrySet()) out.put(e.getKey(), Math.log((double) e.getValue() / total));
        // fallback pieces score far below any word, so a known word is always one piece
        double floor = Math.log(1.0 / total) - 10;
        out.putIfAbsent(SPACE, floor);
        for (String ch : chars) {
            out.putIfAbsent(ch, floor);
            out.putIfAbsent(SPACE + ch, floor - 1);
        }
        return out;
    }

    /** Writes {@code tokenizer.json} and {@code tokenizer_config.json} for {@code captions} into {@code dir}; returns the vocabulary size. */
    public static int write(Collection<String> captions, Path dir, int modelMaxLength) {
        Map<String, Double> pieces = pieces(captions);
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        String[] specials = {"<pad>", "</s>", "<unk>"};
        for (int i = 0; i < specials.length; i++) {
            added.addObject().put("id", i).put("content", specials[i]).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", true);
        }
        ObjectNode norm = root.putObject("normalizer").put("type", "Sequence");
        ArrayNode ns = norm.putArray("normalizers");
        ns.addObject().put("type", "NFKC");
        ns.addObject().put("type", "Lowercase");
        ns.addObject().put("type", "Strip").put("strip_left", true).put("strip_right", true);
        metaspace(root.putObject("pre_tokenizer"));
        ObjectNode post = root.putObject("post_processor").put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        ArrayNode pair = post.putArray("pair");
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", "</s>").put("type_id", 0);
        ObjectNode eos = post.putObject("special_tokens").putObject("</s>").put("id", "</s>");
        eos.putArray("ids").add(1);
        eos.putArray("tokens").add("</s>");
        metaspace(root.putObject("decoder"));
        ObjectNode model = root.putObject("model").put("type", "Unigram").put("unk_id", 2);
        ArrayNode vocab = model.putArray("vocab");
        for (String s : specials) vocab.addArray().add(s).add(0.0);
        pieces.forEach((p, score) -> vocab.addArray().add(p).add(score));
        model.put("byte_fallback", false);

        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "T5Tokenizer").put("eos_token", "</s>").put("pad_token", "<pad>").put("unk_token", "<unk>")
                .put("extra_ids", 0).put("model_max_length", modelMaxLength);
        try {
            Files.createDirectories(dir);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer.json").toFile(), root);
            JSON.writerWithDefaultPrettyPrinter().writeValue(dir.resolve("tokenizer_config.json").toFile(), config);
        } catch (IOException e) {
            throw new ReelException("cannot write the tokenizer to " + dir + ": " + e.getMessage(), e);
        }
        return specials.length + pieces.size();
    }

    private static void metaspace(ObjectNode n) {
        n.put("type", "Metaspace").put("replacement", SPACE).put("prepend_scheme", "always").put("split", true);
    }
}
