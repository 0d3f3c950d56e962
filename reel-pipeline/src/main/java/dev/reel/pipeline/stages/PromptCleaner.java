package dev.reel.pipeline.stages;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The prompt clean-up Diffusers' Wan pipeline applies before tokenising ({@code prompt_clean}): HTML entities
 * unescaped twice, surrounding space stripped, runs of whitespace collapsed to one space. (Diffusers also runs
 * {@code ftfy.fix_text} when that package is installed; Reel does not repair mojibake.)
 */
public final class PromptCleaner {
    private static final Pattern ENTITY = Pattern.compile("&(#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);");
    private static final Pattern SPACE = Pattern.compile("\\s+");
    private static final Map<String, String> NAMED = Map.of(
            "amp", "&", "lt", "<", "gt", ">", "quot", "\"", "apos", "'", "nbsp", "\u00a0");

    private PromptCleaner() {}

    /** The cleaned prompt. */
    public static String clean(String text) {
        String t = unescape(unescape(text)).strip();
        return SPACE.matcher(t).replaceAll(" ").strip();
    }

    /** Replaces numeric character references and the common named entities. */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        Matcher m = ENTITY.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String e = m.group(1);
            String rep;
            if (e.startsWith("#x") || e.startsWith("#X")) rep = codePoint(e.substring(2), 16, m.group());
            else if (e.startsWith("#")) rep = codePoint(e.substring(1), 10, m.group());
            else rep = NAMED.getOrDefault(e, m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(rep));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static String codePoint(String digits, int radix, String original) {
        try {
            int cp = Integer.parseInt(digits, radix);
            return Character.isValidCodePoint(cp) && cp != 0 ? new String(Character.toChars(cp)) : "\ufffd";
        } catch (NumberFormatException e) {
            return original;
        }
    }
}
