package dev.reel.server.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.BufferUtil;

/**
 * Notices that the client of a request hung up while the handler waits (a Dynamo call waiting for its video),
 * so the work it asked for can be dropped, as vLLM aborts a request whose client disconnected.
 *
 * <p>While a handler runs, Jetty does not read the connection, so it learns of a close only when it writes.
 * The watch therefore reads the connection itself, without blocking: end-of-stream means the client is gone.
 * A client that sends more bytes meanwhile (pipelining, which waiting clients do not do) has them consumed; the
 * answer then closes the connection, so nothing is misread.
 */
final class ClientWatch {
    private final EndPoint endPoint;
    private final ByteBuffer probe = BufferUtil.allocate(1);
    private boolean consumed;

    private ClientWatch(Context ctx) {
        Request core = ServletContextRequest.getServletContextRequest(ctx.req());
        this.endPoint = core == null ? null : core.getConnectionMetaData().getConnection().getEndPoint();
    }

    static ClientWatch of(Context ctx) { return new ClientWatch(ctx); }

    /** Whether the client's connection has ended. */
    boolean gone() {
        if (endPoint == null) return false;
        if (!endPoint.isOpen()) return true;
        try {
            BufferUtil.clear(probe);
            int n = endPoint.fill(probe);
            if (n > 0) consumed = true;
            return n < 0;
        } catch (IOException e) {
            return true; // reset by the peer
        }
    }

    /** Whether bytes of a next request were consumed: the answer must then close the connection. */
    boolean mustClose() { return consumed; }
}
