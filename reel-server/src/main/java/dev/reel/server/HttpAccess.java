package dev.reel.server;

import dev.reel.core.ReelException;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Who may talk to the server from where and how slowly, and the address it gives out.
 *
 * <p>Host check (DNS rebinding): a request's {@code Host} must be an IP literal, {@code localhost} (or a
 * {@code *.localhost} name), the address the server is bound to, or one of {@code allowedHosts}; {@code "*"}
 * allows any. A rebinding attack needs a host <em>name</em> the attacker controls, so IP literals are safe.
 *
 * <p>Origin check (cross-site requests): a request that carries an {@code Origin} other than the server's own
 * is refused unless the origin is in {@code corsOrigins} ({@code "*"}: any), which also get CORS headers.
 *
 * @param allowedHosts extra host names accepted in {@code Host} (lower case, no port)
 * @param corsOrigins  origins ({@code scheme://host[:port]}) whose pages may call the API
 * @param publicUrl    the base URL put into {@code response_format: "url"} answers; null: the address the
 *                     request arrived on (never the client's {@code Host} header)
 * @param headerTimeout the longest a connection may take to send a request's headers (or stay idle between
 *                     requests) before it is closed, however slowly the bytes trickle in
 */
public record HttpAccess(List<String> allowedHosts, List<String> corsOrigins, URI publicUrl, Duration headerTimeout) {
    /** Default {@link #headerTimeout}: generous for any real client, short for a slowloris. */
    public static final Duration DEFAULT_HEADER_TIMEOUT = Duration.ofSeconds(20);

    public HttpAccess {
        allowedHosts = allowedHosts.stream().map(h -> h.trim().toLowerCase(Locale.ROOT)).filter(h -> !h.isEmpty()).toList();
        corsOrigins = corsOrigins.stream().map(o -> stripSlash(o.trim().toLowerCase(Locale.ROOT))).filter(o -> !o.isEmpty()).toList();
        for (String o : corsOrigins) {
            if (!o.equals("*") && !o.matches("https?://[^/\\s]+")) {
                throw new ReelException("--cors-origin " + o + ": must be * or scheme://host[:port], e.g. https://app.example.com");
            }
        }
        if (headerTimeout == null) headerTimeout = DEFAULT_HEADER_TIMEOUT;
        if (headerTimeout.isNegative() || headerTimeout.isZero()) throw new ReelException("--header-timeout must be above 0 s");
        if (publicUrl != null && (publicUrl.getScheme() == null || publicUrl.getHost() == null
                || !(publicUrl.getScheme().equals("http") || publicUrl.getScheme().equals("https")))) {
            throw new ReelException("--public-url " + publicUrl + ": must be an http(s) URL with a host, e.g. https://videos.example.com");
        }
    }

    /** Only the built-in hosts, no cross-origin callers, URLs from the bound address. */
    public static HttpAccess defaults() { return new HttpAccess(List.of(), List.of(), null, DEFAULT_HEADER_TIMEOUT); }

    private static String stripSlash(String s) { return s.endsWith("/") ? s.substring(0, s.length() - 1) : s; }
}
