package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.reel.core.ReelException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.stream.LongStream;

/**
 * Host-to-device copies through two page-locked staging buffers of one device: the host fills one buffer (several
 * threads side by side) while the copy engine reads the other. A fresh pageable buffer per copy cost three passes
 * over the data (zeroing, filling, the driver's own staging): UMT5-XXL's 11 GB took 9 s to upload at memory
 * level 1, where the link moves them in under one. The buffers are made on first use and kept for the device's
 * life (one pair per device, shared by its backends: uploads take turns).
 */
final class CudaStaging {
    /** Bytes of one staging buffer. */
    private static final long BUFFER = 64L << 20;
    /** Bytes one thread copies into a buffer at a time. */
    private static final long PIECE = 4L << 20;

    /** Host data to upload: copies its bytes {@code [from, from + to.byteSize())} into {@code to}. */
    @FunctionalInterface
    interface Copier {
        void copy(long from, MemorySegment to);
    }

    /** Host data to upload, and whether several threads may read it side by side. */
    record Source(Copier copier, boolean parallel) {}

    private final CudaDevice dev;
    private final MemorySegment[] buffer = new MemorySegment[2];
    /** Recorded after the copy out of each buffer: the host waits for it before filling the buffer again. */
    private final MemorySegment[] read = new MemorySegment[2];
    private int next;

    CudaStaging(CudaDevice dev) { this.dev = dev; }

    /**
     * Copies {@code bytes} of {@code src} to device address {@code dst}, ordered on the device's stream after the
     * work queued there, and waits for the copy: the caller's memory may be released (or unmapped) on return.
     */
    synchronized void upload(long dst, long bytes, Source src) {
        if (bytes == 0) return;
        dev.bind();
        if (buffer[0] == null) allocate();
        for (long at = 0; at < bytes; at += BUFFER) {
            long n = Math.min(BUFFER, bytes - at);
            int b = next;
            next ^= 1;
            dev.cu.eventSynchronize(read[b]);   // an event never recorded is complete
            MemorySegment into = buffer[b].asSlice(0, n);
            fill(src, at, into);
            dev.cu.copyHtoD(dst + at, into, n, dev.stream);
            dev.cu.record(read[b], dev.stream);
        }
        dev.cu.synchronize(dev.stream);
    }

    private static void fill(Source src, long from, MemorySegment into) {
        long n = into.byteSize();
        if (n <= PIECE || !src.parallel()) {
            src.copier().copy(from, into);
            return;
        }
        LongStream.range(0, (n + PIECE - 1) / PIECE).parallel().forEach(p -> {
            long at = p * PIECE;
            src.copier().copy(from + at, into.asSlice(at, Math.min(PIECE, n - at)));
        });
    }

    private void allocate() {
        for (int b = 0; b < 2; b++) {
            try (Arena a = Arena.ofConfined()) {
                MemorySegment out = a.allocate(ADDRESS);
                int r = dev.cu.hostAlloc(out, BUFFER);
                if (r == CudaDriver.CUDA_ERROR_OUT_OF_MEMORY) {
                    throw new CudaOutOfMemoryException("cannot pin " + (BUFFER >> 20) + " MiB of host memory for host-to-device copies", BUFFER);
                }
                dev.cu.check(r, "cuMemHostAlloc");
                buffer[b] = out.get(ADDRESS, 0).reinterpret(BUFFER);
            }
            read[b] = dev.cu.createEvent();
        }
    }

    /** The bytes of a Java array holding a CPU tensor's values (float[], short[], long[], int[] or byte[]). */
    static Source of(Object array) {
        return new Source(copier(array), true);
    }

    private static Copier copier(Object array) {
        return switch (array) {
            case float[] f -> (from, to) -> MemorySegment.copy(f, Math.toIntExact(from / 4), to, JAVA_FLOAT, 0, Math.toIntExact(to.byteSize() / 4));
            case short[] s -> (from, to) -> MemorySegment.copy(s, Math.toIntExact(from / 2), to, JAVA_SHORT, 0, Math.toIntExact(to.byteSize() / 2));
            case long[] l -> (from, to) -> MemorySegment.copy(l, Math.toIntExact(from / 8), to, JAVA_LONG, 0, Math.toIntExact(to.byteSize() / 8));
            case int[] i -> (from, to) -> MemorySegment.copy(i, Math.toIntExact(from / 4), to, JAVA_INT, 0, Math.toIntExact(to.byteSize() / 4));
            case byte[] b -> (from, to) -> MemorySegment.copy(b, Math.toIntExact(from), to, JAVA_BYTE, 0, Math.toIntExact(to.byteSize()));
            default -> throw new ReelException("no host-to-device copy for arrays of " + array.getClass().getComponentType());
        };
    }

    /** The bytes of a native segment (an mmapped checkpoint's tensor), read on the calling thread (it may own it). */
    static Source of(MemorySegment segment) {
        return new Source((from, to) -> MemorySegment.copy(segment, from, to, 0, to.byteSize()), false);
    }
}
