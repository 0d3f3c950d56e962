package dev.reel.server.api;

import dev.reel.server.HttpAccess;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The checks every request passes before its route runs: the {@code Host} header against {@link HttpAccess}
 * (DNS rebinding), the {@code Origin} against the server's own and the allowed CORS origins (cross-site
 * requests), with CORS headers and pre-flight answers for allowed origins, and the body's content type on
 * {@code POST} (a page elsewhere can send {@code text/plain} without a pre-flight).
 */
final class RequestGuard {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final HttpAccess access;
    private final String boundHost;

    RequestGuard(HttpAccess access, String boundHost) {
        this.access = access;
        this.boundHost = boundHost.toLowerCase(Locale.ROOT);
    }

    /** Throws an {@link ApiError} if the request may not go on; answers pre-flights itself. */
    void check(Context ctx) {
        String host = hostName(ctx.header("Host"));
        if (!hostAllowed(host)) {
            throw ApiError.forbidden("host_not_allowed", "Host \"" + VideoRequestParser.clip(String.valueOf(ctx.header("Host")))
                    + "\" is not served here; start the server with --allowed-hosts NAME to accept it");
        }
        String origin = ctx.header("Origin");
        if (origin != null && !sameOrigin(origin, ctx.header("Host"))) {
            if (!corsAllowed(origin)) {
                throw ApiError.forbidden("origin_not_allowed", "requests from origin " + VideoRequestParser.clip(origin)
                        + " are not allowed; start the server with --cors-origin " + VideoRequestParser.clip(origin) + " to allow them");
            }
            ctx.header("Access-Control-Allow-Origin", origin);
            ctx.header("Vary", "Origin");
            if (ctx.method() == HandlerType.OPTIONS) {
                ctx.header("Access-Control-Allow-Methods", "GET, POST, DELETE, HEAD");
                ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type");
                ctx.header("Access-Control-Max-Age", "600");
                ctx.status(204);
                ctx.skipRemainingHandlers();
            }
        }
    }

    /** 415 unless a {@code POST} body is JSON, multipart or URL-encoded (no type at all is read as JSON). */
    static void checkContentType(String contentType) {
        if (contentType == null) return;
        String ct = contentType.toLowerCase(Locale.ROOT).trim();
        if (ct.startsWith("application/json") || ct.startsWith("multipart/form-data") || ct.startsWith("application/x-www-form-urlencoded")) return;
        throw ApiError.unsupportedMediaType(VideoRequestParser.clip(contentType));
    }

    private boolean hostAllowed(String host) {
        if (host == null) return false; // HTTP/1.1 requires Host; Jetty fills it in for HTTP/1.0
        if (access.allowedHosts().contains("*") || access.allowedHosts().contains(host)) return true;
        if (host.equals(boundHost) || host.equals("localhost") || host.endsWith(".localhost")) return true;
        return IPV4.matcher(host).matches() || host.startsWith("["); // IP literals cannot be rebound
    }

    private boolean corsAllowed(String origin) {
        String o = origin.trim().toLowerCase(Locale.ROOT);
        return access.corsOrigins().contains("*") || access.corsOrigins().contains(o);
    }

    /** Whether {@code origin} is {@code scheme://<the Host header>}: the server's own page. */
    private static boolean sameOrigin(String origin, String hostHeader) {
        if (hostHeader == null) return false;
        String o = origin.trim().toLowerCase(Locale.ROOT);
        String h = hostHeader.trim().toLowerCase(Locale.ROOT);
        return o.equals("http://" + h) || o.equals("https://" + h);
    }

    /** The host part of a {@code Host} header, lower case, without the port; IPv6 keeps its brackets. */
    static String hostName(String header) {
        if (header == null || header.isBlank()) return null;
        String h = header.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int end = h.indexOf(']');
            return end < 0 ? null : h.substring(0, end + 1);
        }
        int colon = h.indexOf(':');
        return colon < 0 ? h : h.substring(0, colon);
    }
}
