package dev.reel.server.api;

import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.eclipse.jetty.util.UrlEncoded;

/**
 * The fields and files of a form body: {@code multipart/form-data} (as OpenAI's clients send {@code POST /v1/videos})
 * parsed by Jetty through Javalin, within the limits {@code ReelServer} sets on it (body size, {@link #MAX_FIELDS}),
 * and {@code application/x-www-form-urlencoded} decoded by Jetty's {@link UrlEncoded}. Of a repeated name the last
 * value counts. Anything malformed is a 400, a multipart body over the limit a 413, never a stack trace.
 */
final class FormBody {
    /** Most fields (multipart: parts) a form body may have. */
    static final int MAX_FIELDS = 256;

    private FormBody() {}

    /** A multipart body's text fields and file parts (their bytes), each by name. */
    record Parts(Map<String, String> fields, Map<String, byte[]> files) {}

    /** The text fields and file parts of the request's multipart body; {@code maxBytes} is the limit Jetty enforces. */
    static Parts multipart(Context ctx, int maxBytes) {
        try {
            Map<String, String> fields = new HashMap<>();
            ctx.formParamMap().forEach((name, values) -> {
                if (!values.isEmpty()) fields.put(name, values.getLast()); // a file part's name comes with no values
            });
            Map<String, byte[]> files = new HashMap<>();
            for (var e : ctx.uploadedFileMap().entrySet()) {
                UploadedFile f = e.getValue().getLast();
                try (InputStream in = f.content()) {
                    files.put(e.getKey(), in.readAllBytes());
                }
            }
            return new Parts(fields, files);
        } catch (Exception e) { // Jetty's ServletException (a BadMessageException) around what its parser found
            // Jetty may drop the connection after a body its parser refused without saying so; say it, so that a
            // client does not send its next request on a connection about to close
            ctx.header("Connection", "close");
            Throwable cause = e;
            while (cause.getCause() != null && cause.getCause() != cause) cause = cause.getCause();
            String why = cause.getMessage() == null ? "" : cause.getMessage();
            if (cause instanceof IllegalStateException && why.startsWith("max length exceeded")) throw ApiError.tooLarge(maxBytes);
            if (cause instanceof NullPointerException) why = "a part has no Content-Disposition: form-data; name=\"…\"";
            why = why.replaceFirst("^\\d{3}: ", ""); // Jetty's HttpException puts the status first
            throw bad("multipart body is malformed: " + VideoRequestParser.clip(why.isEmpty() ? cause.getClass().getSimpleName() : why));
        }
    }

    /** The fields of an URL-encoded body. */
    static Map<String, String> urlEncoded(byte[] body) {
        Map<String, String> fields = new HashMap<>();
        try {
            UrlEncoded.decodeTo(new String(body, StandardCharsets.UTF_8), fields::put, StandardCharsets.UTF_8, MAX_FIELDS);
        } catch (IllegalStateException e) {
            throw bad("form body has more than " + MAX_FIELDS + " fields");
        } catch (IllegalArgumentException e) {
            throw bad("form body has a broken %-escape or invalid UTF-8");
        }
        return fields;
    }

    private static ApiError bad(String message) { return ApiError.malformed("invalid_form", message); }
}
