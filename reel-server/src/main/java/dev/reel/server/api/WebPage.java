package dev.reel.server.api;

import dev.reel.pipeline.VideoGeometry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The self-contained web page served at {@code /} (HTML, CSS and script in one file), its size and frame inputs
 * stepping as the served model's {@link VideoGeometry} allows.
 */
final class WebPage {
    private WebPage() {}

    static byte[] html(VideoGeometry geometry) {
        String page;
        try (InputStream in = WebPage.class.getResourceAsStream("/dev/reel/server/web/index.html")) {
            if (in == null) throw new IllegalStateException("web page resource is missing from the jar");
            page = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String rule = geometry.frameRule();
        return page.replace("{{width_multiple}}", Integer.toString(geometry.widthMultiple()))
                .replace("{{height_multiple}}", Integer.toString(geometry.heightMultiple()))
                .replace("{{frame_step}}", Integer.toString(geometry.temporalFactor()))
                .replace("{{frame_rule}}", rule.substring(0, rule.indexOf(' ')))
                .getBytes(StandardCharsets.UTF_8);
    }
}
