package dev.reel.server;

import io.javalin.http.Context;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A total time bound on reading a request's headers. Jetty's idle timeout restarts with every byte, so a client
 * that sends one header byte every few seconds (slowloris) would hold a connection forever. Here a connection
 * may spend at most {@code limit} outside a request's handling — reading headers, or idle between requests —
 * before it is closed.
 */
final class HeaderDeadline implements Connection.Listener {
    private static final Logger log = LoggerFactory.getLogger(HeaderDeadline.class);

    /** When the connection last started waiting for a request (opened, or answered one); null while handling. */
    private final Map<Connection, Long> waitingSince = new ConcurrentHashMap<>();
    private final long limitNanos;
    private volatile Thread sweeper;

    HeaderDeadline(Duration limit) { this.limitNanos = limit.toNanos(); }

    /** Watches every connection of {@code server}'s connectors from now on. */
    void install(Server server) {
        for (var c : server.getConnectors()) c.addEventListener(this);
        long periodMs = Math.clamp(limitNanos / 4_000_000, 100, 1000);
        sweeper = Thread.ofVirtual().name("reel-header-deadline").start(() -> {
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    Thread.sleep(periodMs);
                    sweep(System.nanoTime());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    void stop() { if (sweeper != null) sweeper.interrupt(); }

    @Override public void onOpened(Connection c) { waitingSince.put(c, System.nanoTime()); }

    @Override public void onClosed(Connection c) { waitingSince.remove(c); }

    /** A request's headers are in: its connection is no longer waiting. */
    void handling(Context ctx) {
        Connection c = connection(ctx);
        if (c != null) waitingSince.computeIfPresent(c, (k, v) -> null);
    }

    /** A request was answered: its connection waits for the next one from now. */
    void answered(Context ctx) {
        Connection c = connection(ctx);
        if (c != null && c.getEndPoint().isOpen()) waitingSince.put(c, System.nanoTime());
    }

    private void sweep(long now) {
        for (var e : waitingSince.entrySet()) {
            if (now - e.getValue() > limitNanos) {
                log.debug("closing {}: no complete request within {} ms", e.getKey().getEndPoint().getRemoteSocketAddress(), limitNanos / 1_000_000);
                waitingSince.remove(e.getKey());
                e.getKey().close();
            }
        }
    }

    private static Connection connection(Context ctx) {
        Request core = ServletContextRequest.getServletContextRequest(ctx.req());
        return core == null ? null : core.getConnectionMetaData().getConnection();
    }
}
