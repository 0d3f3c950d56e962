package dev.reel.server.api;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The self-contained web page served at {@code /} (HTML, CSS and script in one file). */
final class WebPage {
    private WebPage() {}

    static byte[] html() {
        try (InputStream in = WebPage.class.getResourceAsStream("/dev/reel/server/web/index.html")) {
            if (in == null) throw new IllegalStateException("web page resource is missing from the jar");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
