package dev.reel.server.api;

import io.javalin.config.RoutesConfig;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Registers routes and remembers them, so that a path that exists for other methods answers 405 with
 * {@code Allow} instead of 404, and so that {@code HEAD} runs the very handler of {@code GET} (same status and
 * headers, no body) instead of a blanket 200.
 */
final class Routes {
    private record Route(HandlerType method, Pattern path) {}

    private final RoutesConfig routes;
    private final List<Route> known = new ArrayList<>();

    Routes(RoutesConfig routes) { this.routes = routes; }

    void get(String path, Handler h) {
        routes.get(path, h);
        routes.head(path, h); // Jetty drops the body of a HEAD answer; status and headers are GET's
        remember(HandlerType.GET, path);
        remember(HandlerType.HEAD, path);
    }

    void post(String path, Handler h) {
        routes.post(path, h);
        remember(HandlerType.POST, path);
    }

    void delete(String path, Handler h) {
        routes.delete(path, h);
        remember(HandlerType.DELETE, path);
    }

    /** The methods {@code path} has, as an {@code Allow} value, or null if no route has this path. */
    String allowed(String path) {
        Set<String> methods = new LinkedHashSet<>();
        for (Route r : known) if (r.path.matcher(path).matches()) methods.add(r.method.name());
        return methods.isEmpty() ? null : String.join(", ", methods);
    }

    private void remember(HandlerType method, String path) {
        // "{id}" matches one path segment, as in Javalin's router
        String regex = Pattern.quote(path).replaceAll("\\{[^}/]+}", "\\\\E[^/]+\\\\Q");
        known.add(new Route(method, Pattern.compile(regex)));
    }
}
