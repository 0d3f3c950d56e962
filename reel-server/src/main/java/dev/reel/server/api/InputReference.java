package dev.reel.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.reel.models.image.InvalidImageException;
import dev.reel.models.image.RgbImage;
import dev.reel.pipeline.InputImages;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A conditioning picture sent with {@code POST /v1/videos}: OpenAI's {@code input_reference} (a multipart file, or
 * in JSON a base64 {@code data:} URL, also as {@code {"image_url": "data:…"}}) and Reel's {@code nvext.last_image}.
 * It is decoded here, so a picture that is not PNG/JPEG or is too large is a 400 naming the field before the job is
 * queued; what the job keeps is the file's bytes in base64.
 */
final class InputReference {
    private static final Pattern DATA_URL = Pattern.compile("(?s)data:([^;,]*)((?:;[^;,=]+=[^;,]*)*);base64,(.*)");

    private InputReference() {}

    /** The picture in a JSON value ({@code data:} URL string, or an object with {@code image_url}/{@code url}), as base64. */
    static String fromJson(String param, JsonNode n) {
        if (n.isObject()) {
            JsonNode url = n.has("image_url") ? n.get("image_url") : n.get("url");
            if (url == null || !url.isTextual()) throw ApiError.invalid(param, param + " must be a data URL string or an object with \"image_url\"");
            return fromText(param, url.textValue());
        }
        if (!n.isTextual()) throw ApiError.invalid(param, param + " must be a data URL (data:image/png;base64,…) or, in a multipart body, a file");
        return fromText(param, n.textValue());
    }

    /** The picture in a {@code data:image/png;base64,…} URL, as base64. */
    static String fromText(String param, String text) {
        String t = text.strip();
        Matcher m = DATA_URL.matcher(t);
        if (!m.matches()) {
            String hint = t.startsWith("http://") || t.startsWith("https://") ? " (the server does not fetch URLs; send the picture itself)" : "";
            throw ApiError.invalid(param, param + " must be a base64 data URL, data:image/png;base64,… or data:image/jpeg;base64,…" + hint);
        }
        String type = m.group(1).toLowerCase(Locale.ROOT);
        if (!type.isEmpty() && !type.equals("image/png") && !type.equals("image/jpeg") && !type.equals("image/jpg")) {
            throw ApiError.invalid(param, param + ": media type \"" + VideoRequestParser.clip(type) + "\" is not supported; send image/png or image/jpeg");
        }
        byte[] bytes;
        try {
            bytes = Base64.getDecoder().decode(m.group(3).replaceAll("\\s", ""));   // line breaks allowed, nothing else
        } catch (IllegalArgumentException e) {
            throw ApiError.invalid(param, param + ": the data URL's base64 is invalid (" + e.getMessage() + ")");
        }
        return fromBytes(param, bytes);
    }

    /** The picture in a file's bytes (a multipart part), checked by decoding it, as base64. */
    static String fromBytes(String param, byte[] bytes) {
        try {
            RgbImage ignored = InputImages.decode(bytes);
        } catch (InvalidImageException e) {
            throw ApiError.invalid(param, param + ": " + e.getMessage());
        }
        return Base64.getEncoder().encodeToString(bytes);
    }
}
