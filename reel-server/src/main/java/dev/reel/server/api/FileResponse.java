package dev.reel.server.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A file as an HTTP response body: whole, or the one byte range a {@code Range} header asks for. */
final class FileResponse {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

    private FileResponse() {}

    /**
     * Sends a file, honouring one {@code Range: bytes=a-b} (what a {@code <video>} element asks for when seeking);
     * a range it cannot read is ignored (the whole file is sent), one outside the file gets 416.
     */
    static void send(Context ctx, InputStream in, long size, String contentType) throws IOException {
        var res = ctx.res();
        long from = 0, to = size - 1;
        boolean partial = false;
        String range = ctx.header("Range");
        Matcher m = range == null ? null : RANGE.matcher(range.trim());
        if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
            try {
                if (m.group(1).isEmpty()) {
                    from = Math.max(0, size - Long.parseLong(m.group(2))); // suffix: the last n bytes
                } else {
                    from = Long.parseLong(m.group(1));
                    if (!m.group(2).isEmpty()) to = Math.min(Long.parseLong(m.group(2)), size - 1);
                }
                partial = true;
            } catch (NumberFormatException e) {
                from = 0; // more digits than a long holds: ignore the header
                to = size - 1;
            }
            if (partial && (from >= size || from > to)) {
                res.setHeader("Content-Range", "bytes */" + size);
                throw ApiError.rangeNotSatisfiable(range, size);
            }
        }
        res.setStatus(partial ? 206 : 200);
        res.setContentType(contentType);
        res.setHeader("Accept-Ranges", "bytes");
        res.setContentLengthLong(to - from + 1);
        if (partial) res.setHeader("Content-Range", "bytes " + from + "-" + to + "/" + size);
        in.skipNBytes(from);
        OutputStream out = res.getOutputStream();
        byte[] buf = new byte[64 * 1024];
        for (long left = to - from + 1; left > 0; ) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new IOException("file ended early");
            out.write(buf, 0, n);
            left -= n;
        }
        out.flush();
    }
}
