package dev.reel.pipeline.stages;

import java.util.regex.Pattern;
import org.jsoup.parser.Parser;

/**
 * The prompt clean-up Diffusers' Wan pipeline applies before tokenising, {@code prompt_clean} =
 * {@code whitespace_clean(basic_clean(text))}: HTML character references unescaped twice
 * ({@code html.unescape(html.unescape(text))}), then every run of whitespace replaced by one space and the ends
 * stripped ({@code re.sub(r"\s+", " ", text).strip()}).
 *
 * <p>Unescaping is jsoup's, which follows the same HTML5 rules as Python's {@code html.unescape}: all 2,231
 * named references of {@code html.entities.html5}, the legacy ones also without {@code ;} and as the longest
 * prefix of a longer name ({@code &eacutex} → {@code éx}), numeric references with or without {@code ;}, and the
 * Windows-1252 reading of {@code &#128;}–{@code &#159;} ({@code &#150;} → {@code –}). A reference to a lone
 * surrogate becomes U+FFFD, as in Python (jsoup would leave half a UTF-16 pair, which no tokenizer takes). What
 * remains different is only references to NUL, C0/C1 controls and noncharacters, which Python replaces by U+FFFD
 * or drops and jsoup decodes as written. Whitespace is what Python's {@code \s} and
 * {@code str.strip()} take: Unicode's White_Space (NBSP U+00A0, U+2028, U+3000, …) plus the information
 * separators U+001C–U+001F.
 *
 * <p>Diffusers first runs {@code ftfy.fix_text} when the ftfy package is installed; Reel does not (as Diffusers
 * without ftfy), so curly quotes, full-width forms and mojibake reach the tokenizer as written.
 */
public final class PromptCleaner {
    /** Python's {@code \s} for str patterns ({@code str.isspace()}): White_Space plus U+001C–U+001F. */
    private static final Pattern WHITESPACE = Pattern.compile("[\\s\\x1c-\\x1f]+", Pattern.UNICODE_CHARACTER_CLASS);
    /** A UTF-16 surrogate that is not half of a pair. */
    private static final Pattern LONE_SURROGATE = Pattern.compile("[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]");

    private PromptCleaner() {}

    /** The cleaned prompt. */
    public static String clean(String text) {
        String t = WHITESPACE.matcher(unescape(unescape(text))).replaceAll(" ");
        int start = t.startsWith(" ") ? 1 : 0, end = t.endsWith(" ") && t.length() > start ? t.length() - 1 : t.length();
        return t.substring(start, end);
    }

    /** One pass of {@code html.unescape}. */
    static String unescape(String s) {
        if (s.indexOf('&') < 0) return s;
        return LONE_SURROGATE.matcher(Parser.unescapeEntities(s, false)).replaceAll("\uFFFD");
    }
}
