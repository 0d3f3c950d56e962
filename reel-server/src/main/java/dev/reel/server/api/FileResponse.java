package dev.reel.server.api;

import io.javalin.http.Context;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jetty.http.ByteRange;

/**
 * A file as an HTTP response body: whole, or the one byte range a {@code Range} header asks for (what a
 * {@code <video>} element asks for when seeking), as Jetty's {@link ByteRange} reads the header.
 */
final class FileResponse {
    private FileResponse() {}

    /**
     * Sends {@code file}: 200 with {@code Accept-Ranges}, or 206 with {@code Content-Range} for one satisfiable
     * {@code bytes} range; a header asking for several ranges, or in another unit, is ignored (the whole file is sent),
     * and a {@code bytes} range that is malformed or outside the file gets 416.
     */
    static void send(Context ctx, Path file, String contentType) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            long size = ch.size();
            ByteRange slice = null;
            String range = ctx.header("Range");
            if (range != null && range.strip().startsWith("bytes=")) {
                List<ByteRange> ranges = ByteRange.parse(List.of(range), size);
                if (ranges.isEmpty()) {
                    ctx.header("Content-Range", ByteRange.toNonSatisfiableHeaderValue(size));
                    throw ApiError.rangeNotSatisfiable(range, size);
                }
                if (ranges.size() == 1) slice = ranges.getFirst();
            }
            var res = ctx.res();
            res.setStatus(slice == null ? 200 : 206);
            res.setContentType(contentType);
            res.setHeader("Accept-Ranges", "bytes");
            long from = slice == null ? 0 : slice.first(), to = slice == null ? size : slice.last() + 1;
            res.setContentLengthLong(to - from);
            if (slice != null) res.setHeader("Content-Range", slice.toHeaderValue(size));
            WritableByteChannel out = Channels.newChannel(res.getOutputStream());
            for (long pos = from; pos < to; ) {
                long n = ch.transferTo(pos, to - pos, out);
                if (n <= 0) throw new IOException("file ended early");
                pos += n;
            }
            res.getOutputStream().flush();
        }
    }
}
