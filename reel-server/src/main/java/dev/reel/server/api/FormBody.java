package dev.reel.server.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the text fields of {@code multipart/form-data} (as OpenAI's clients send {@code POST /v1/videos}) and of
 * {@code application/x-www-form-urlencoded} bodies. File parts (e.g. {@code input_reference}) are skipped. The
 * body has already been read within the size limit; anything malformed is a 400, never a stack trace.
 */
final class FormBody {
    private static final int MAX_PARTS = 256;
    private static final Pattern BOUNDARY = Pattern.compile("(?i)boundary=(?:\"([^\"]{1,70})\"|([^;\\s]{1,70}))");
    private static final Pattern NAME = Pattern.compile("(?i)[;\\s]name=\"([^\"]*)\"");
    private static final Pattern FILENAME = Pattern.compile("(?i)[;\\s]filename\\*?=");

    private FormBody() {}

    /** A multipart body's text fields and file parts (their bytes), each by name. */
    record Parts(Map<String, String> fields, Map<String, byte[]> files) {}

    /** The text fields and file parts of a multipart body whose {@code Content-Type} is {@code contentType}. */
    static Parts multipart(String contentType, byte[] body) {
        Matcher bm = BOUNDARY.matcher(contentType);
        if (!bm.find()) throw bad("multipart Content-Type has no boundary");
        byte[] delim = ("--" + (bm.group(1) != null ? bm.group(1) : bm.group(2))).getBytes(StandardCharsets.ISO_8859_1);
        Map<String, String> fields = new LinkedHashMap<>();
        Map<String, byte[]> files = new LinkedHashMap<>();
        int pos = indexOf(body, delim, 0);
        if (pos < 0) throw bad("multipart body has no boundary line");
        for (int parts = 0; ; parts++) {
            pos += delim.length;
            if (startsWith(body, pos, "--")) return new Parts(fields, files); // closing delimiter
            if (parts == MAX_PARTS) throw bad("multipart body has more than " + MAX_PARTS + " parts");
            pos = skipLineEnd(body, pos);
            int headersEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            if (headersEnd < 0) throw bad("multipart part has no end of headers");
            String headers = new String(body, pos, headersEnd - pos, StandardCharsets.UTF_8);
            int contentStart = headersEnd + 4;
            int next = indexOf(body, ("\r\n" + new String(delim, StandardCharsets.ISO_8859_1)).getBytes(StandardCharsets.ISO_8859_1), contentStart);
            if (next < 0) throw bad("multipart part is not closed by a boundary");
            String disposition = header(headers, "content-disposition");
            if (disposition == null || !disposition.toLowerCase(Locale.ROOT).startsWith("form-data")) {
                throw bad("multipart part has no Content-Disposition: form-data header");
            }
            Matcher nm = NAME.matcher(disposition);
            if (!nm.find()) throw bad("multipart part has no name");
            if (!FILENAME.matcher(disposition).find()) {
                fields.put(nm.group(1), new String(body, contentStart, next - contentStart, StandardCharsets.UTF_8));
            } else {
                files.put(nm.group(1), java.util.Arrays.copyOfRange(body, contentStart, next));
            }
            pos = next + 2;
        }
    }

    /** The fields of an URL-encoded body. */
    static Map<String, String> urlEncoded(byte[] body) {
        Map<String, String> fields = new LinkedHashMap<>();
        String s = new String(body, StandardCharsets.UTF_8);
        if (s.isEmpty()) return fields;
        String[] pairs = s.split("&", MAX_PARTS + 1);
        if (pairs.length > MAX_PARTS) throw bad("form body has more than " + MAX_PARTS + " fields");
        try {
            for (String pair : pairs) {
                int eq = pair.indexOf('=');
                String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                fields.put(k, v);
            }
        } catch (IllegalArgumentException e) {
            throw bad("form body has a broken %-escape");
        }
        return fields;
    }

    private static String header(String headers, String name) {
        for (String line : headers.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals(name)) return line.substring(colon + 1).trim();
        }
        return null;
    }

    private static int skipLineEnd(byte[] b, int pos) {
        while (pos < b.length && (b[pos] == ' ' || b[pos] == '\t')) pos++; // transport padding (RFC 2046)
        if (!startsWith(b, pos, "\r\n")) throw bad("multipart boundary line does not end with CRLF");
        return pos + 2;
    }

    private static boolean startsWith(byte[] b, int pos, String s) {
        if (pos + s.length() > b.length) return false;
        for (int i = 0; i < s.length(); i++) if (b[pos + i] != s.charAt(i)) return false;
        return true;
    }

    private static int indexOf(byte[] b, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= b.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) if (b[i + j] != needle[j]) continue outer;
            return i;
        }
        return -1;
    }

    private static ApiError bad(String message) { return ApiError.malformed("invalid_form", message); }
}
