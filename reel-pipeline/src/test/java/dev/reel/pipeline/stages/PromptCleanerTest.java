package dev.reel.pipeline.stages;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.reel.core.fixtures.TestFixtures;
import dev.reel.models.t5.T5Tokenizer;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * {@link PromptCleaner} against Diffusers' {@code prompt_clean} (without ftfy). The expected strings follow
 * Python's rules, spelled out per case; the ids are those Hugging Face {@code tokenizers} gives the expected
 * strings with the fixture's {@code tokenizer.json} ({@code src/test/python/prompt_clean_golden.py} prints them).
 */
class PromptCleanerTest {
    private static final int MAX_LENGTH = 32;

    /**
     * Every code point for which Python's {@code str.isspace()} is true (CPython 3.11, Unicode 14): the ones
     * {@code re}'s {@code \s} and {@code str.strip()} take. U+001C–U+001F count (bidi class B/S); U+200B and
     * U+FEFF do not.
     */
    private static final int[] PYTHON_WHITESPACE = {0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x85, 0xa0,
            0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200a, 0x2028, 0x2029,
            0x202f, 0x205f, 0x3000};

    record Golden(String raw, String cleaned, long[] ids) {}

    private static final Golden[] GOLDEN = {
        // &nbsp; → U+00A0, which \s matches: the double one collapses to a single space
        new Golden("A&nbsp;red fox&nbsp;&nbsp;in the snow", "A red fox in the snow",
                ids(3, 17, 63, 15, 49, 37, 3, 34, 21, 5, 3, 4, 9, 24, 1)),
        // named HTML 4 entities of Latin-1 letters
        new Golden("caf&eacute; in Montr&eacute;al, &Eacute;t&eacute;", "café in Montréal, Été",
                ids(50, 23, 76, 3, 34, 3, 2, 27, 6, 8, 76, 110, 12, 3, 2, 6, 76, 1)),
        // curly quotes are not entities and not whitespace: kept as typed (ftfy would straighten them)
        new Golden("\u201cA fox,\u201d she said \u2018quietly\u2019", "\u201cA fox,\u201d she said \u2018quietly\u2019",
                ids(3, 2, 17, 49, 37, 12, 2, 3, 107, 5, 3, 4, 7, 32, 15, 3, 2, 141, 18, 32, 5, 6, 11, 14, 2, 1)),
        // the ideographic space U+3000 is whitespace: inner ones become " ", outer ones are stripped
        new Golden("\u3000狐狸\u3000在雪中\u3000奔跑\u3000", "狐狸 在雪中 奔跑", ids(3, 2, 3, 85, 2, 3, 2, 1)),
        // two passes: &amp;nbsp; → &nbsp; → U+00A0 (then stripped), &amp;amp; → &amp; → &, &amp;lt; → &lt; → <
        new Golden("&amp;nbsp;double&amp;amp;escaped &amp;lt;tag&amp;gt;", "double&escaped <tag>",
                ids(36, 101, 59, 46, 2, 5, 4, 25, 7, 26, 64, 3, 2, 6, 7, 54, 2, 1)),
        // tab, line separator, information separators, NEL, NBSP, narrow NBSP, thin space: all \s
        new Golden("\tfox\u2028runs\u001c\u001dfast\u0085 \u00a0\u202f\u2009", "fox runs fast", ids(49, 37, 3, 8, 30, 4, 45, 7, 31, 1)),
        // numeric references, decimal and hex, beyond the BMP too; &hellip; is HTML 4
        new Golden("&#8220;fox&#8221; &#x1F98A; &hellip;", "\u201cfox\u201d \uD83E\uDD8A \u2026", ids(3, 2, 23, 13, 37, 2, 3, 2, 3, 10, 10, 10, 1)),
    };

    @Test
    void cleansLikeDiffusersAndTokenizesToTheGoldenIds() {
        try (T5Tokenizer tok = T5Tokenizer.fromPipeline(TestFixtures.locate().pipelineDir(), MAX_LENGTH)) {
            for (Golden g : GOLDEN) {
                String cleaned = PromptCleaner.clean(g.raw());
                assertEquals(g.cleaned(), cleaned, "cleaned form of " + g.raw());
                long[] want = Arrays.copyOf(g.ids(), MAX_LENGTH);   // then padding, id 0
                assertArrayEquals(want, tok.encode(cleaned).ids()[0], "ids of " + g.cleaned());
            }
        }
    }

    /**
     * HTML5 rules as Python's html.unescape applies them: entities outside HTML 4, legacy names without ';' and
     * as the longest prefix, numeric references without ';', Windows-1252 for 128–159, unknown names kept.
     */
    @Test
    void unescapesWithHtml5Rules() {
        assertEquals("'quoted'", PromptCleaner.clean("&apos;quoted&apos;"));   // HTML5 (not HTML 4)
        assertEquals("≂̸ =⃥ fj", PromptCleaner.clean("&NotEqualTilde; &bne; &fjlig;"));   // multi-code-point HTML5 entities
        assertEquals("Tom & Jerry < é x", PromptCleaner.clean("Tom &amp Jerry &lt é&nbspx"));
        assertEquals("éx ¬it; ©2024", PromptCleaner.clean("&eacutex &notit; &copy2024"));
        assertEquals("AA €uro –", PromptCleaner.clean("&#65&#x41 &#128;uro &#150;"));
        assertEquals("&ThisIsNotAnEntity; & amp; &;", PromptCleaner.clean("&ThisIsNotAnEntity; & amp; &;"));
        assertEquals("&amp;", PromptCleaner.clean("&amp;amp;amp;"), "exactly two passes");
        assertEquals("\uFFFDsur \uFFFD", PromptCleaner.clean("&#xD800;sur &#57343;"), "a lone surrogate is U+FFFD");
    }

    /** Over every code point, a run of one collapses to a space exactly where Python's \s matches. */
    @Test
    void whitespaceIsPythonsSlashS() {
        Set<Integer> python = new TreeSet<>();
        for (int c : PYTHON_WHITESPACE) python.add(c);
        Set<Integer> found = new TreeSet<>();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE || c == '&') continue;
            String s = "a" + Character.toString(c) + "b";
            if (PromptCleaner.clean(s).equals("a b")) found.add(c);
        }
        assertEquals(python, found);
        assertEquals("", PromptCleaner.clean(" \u3000\u00a0\t "));
        assertEquals("x", PromptCleaner.clean("\u001fx\u0085"));
        assertEquals("a\u200bb", PromptCleaner.clean("a\u200bb"), "zero-width space is not whitespace");
    }

    private static long[] ids(long... v) { return v; }
}
