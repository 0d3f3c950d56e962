package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.FileOps;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * NVRTC ({@code libnvrtc.so.13}, or 12): compiles Reel's CUDA C++ kernels to a cubin for one architecture. Cubins
 * are cached on disk in the folder the caller names ({@code <SystemOptions.cacheDir>/cubin}), keyed by the source
 * hash, the architecture and the NVRTC version, so only the first run on a machine compiles.
 */
final class Nvrtc {
    private static final Logger LOG = LoggerFactory.getLogger(Nvrtc.class);
    private static volatile Nvrtc instance;

    private final NativeLibrary lib;
    private final int major, minor;
    private final MethodHandle create, compile, cubinSize, cubin, logSize, log, destroy, errorString;

    private Nvrtc(NativeLibrary lib) {
        this.lib = lib;
        create = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS), "nvrtcCreateProgram");
        compile = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS), "nvrtcCompileProgram");
        cubinSize = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetCUBINSize");
        cubin = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetCUBIN");
        logSize = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLogSize");
        log = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcGetProgramLog");
        destroy = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "nvrtcDestroyProgram");
        errorString = lib.fn(FunctionDescriptor.of(ADDRESS, JAVA_INT), "nvrtcGetErrorString");
        MethodHandle version = lib.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "nvrtcVersion");
        try (Arena a = Arena.ofConfined()) {
            MemorySegment ma = a.allocate(JAVA_INT), mi = a.allocate(JAVA_INT);
            check((int) version.invokeExact(ma, mi), "nvrtcVersion");
            major = ma.get(JAVA_INT, 0);
            minor = mi.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    /** NVRTC, loaded once per process (searching {@code libraryPath} first on that first call). */
    static Nvrtc get(List<Path> libraryPath) {
        Nvrtc n = instance;
        if (n != null) return n;
        synchronized (Nvrtc.class) {
            if (instance == null) instance = new Nvrtc(NativeLibrary.load("NVRTC", libraryPath, "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"));
            return instance;
        }
    }

    /** NVRTC's version as "major.minor". */
    String version() { return major + "." + minor; }

    private void check(int r, String call) {
        if (r != 0) throw new CudaException(call + " failed: " + error(r) + " (" + r + ")", r);
    }

    private String error(int r) {
        try {
            MemorySegment s = (MemorySegment) errorString.invokeExact(r);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "nvrtcResult " + r;
        }
    }

    /**
     * The cubin of {@code source} for {@code arch} (e.g. "sm_90"), from the disk cache or freshly compiled.
     *
     * @param name     the file name, for error messages
     * @param headers  include name → text of the headers the source may include
     * @param cacheDir the folder of cached cubins (made on first write; a read-only one only costs recompiling)
     */
    byte[] cubin(String name, String source, Map<String, String> headers, String arch, List<String> extraOptions, Path cacheDir) {
        List<String> options = new java.util.ArrayList<>(List.of("--gpu-architecture=" + arch, "--std=c++17"));
        options.addAll(extraOptions);
        String key = hash(source, headers, options);
        Path file = cacheDir.resolve(name.replace(".cu", "") + "-" + key + "-" + arch + "-nvrtc" + version() + ".cubin");
        try {
            if (Files.isRegularFile(file)) return Files.readAllBytes(file);
        } catch (IOException ignored) {
            // unreadable cache entry: compile again
        }
        long t0 = System.nanoTime();
        byte[] bin = compile(name, source, headers, options);
        LOG.debug("compiled {} for {} in {} ms (not in the kernel cache {})", name, arch, (System.nanoTime() - t0) / 1_000_000, cacheDir);
        try {
            FileOps.writeAtomically(file, bin);
        } catch (IOException ignored) {
            // a read-only cache only costs a recompilation next time
        }
        return bin;
    }

    private byte[] compile(String name, String source, Map<String, String> headers, List<String> options) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment prog = a.allocate(ADDRESS);
            int nh = headers.size();
            MemorySegment hdrs = a.allocate(ADDRESS, Math.max(1, nh)), names = a.allocate(ADDRESS, Math.max(1, nh));
            int i = 0;
            for (Map.Entry<String, String> e : headers.entrySet()) {
                hdrs.setAtIndex(ADDRESS, i, a.allocateFrom(e.getValue()));
                names.setAtIndex(ADDRESS, i, a.allocateFrom(e.getKey()));
                i++;
            }
            check((int) create.invokeExact(prog, a.allocateFrom(source), a.allocateFrom(name), nh, hdrs, names), "nvrtcCreateProgram(" + name + ")");
            MemorySegment p = prog.get(ADDRESS, 0);
            try {
                MemorySegment opts = a.allocate(ADDRESS, options.size());
                for (int k = 0; k < options.size(); k++) opts.setAtIndex(ADDRESS, k, a.allocateFrom(options.get(k)));
                int r = (int) compile.invokeExact(p, options.size(), opts);
                if (r != 0) {
                    throw new CudaException("NVRTC " + version() + " could not compile kernel " + name + " for " + options.get(0) + ": "
                            + error(r) + "\n" + programLog(a, p), r);
                }
                MemorySegment size = a.allocate(JAVA_LONG);
                check((int) cubinSize.invokeExact(p, size), "nvrtcGetCUBINSize");
                long n = size.get(JAVA_LONG, 0);
                MemorySegment out = a.allocate(n);
                check((int) cubin.invokeExact(p, out), "nvrtcGetCUBIN");
                return out.toArray(JAVA_BYTE);
            } finally {
                prog.set(ADDRESS, 0, p);
                int ignored = (int) destroy.invokeExact(prog);
            }
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private String programLog(Arena a, MemorySegment p) throws Throwable {
        MemorySegment size = a.allocate(JAVA_LONG);
        if ((int) logSize.invokeExact(p, size) != 0) return "(no log)";
        MemorySegment text = a.allocate(Math.max(1, size.get(JAVA_LONG, 0)));
        if ((int) log.invokeExact(p, text) != 0) return "(no log)";
        return text.getString(0);
    }

    private static String hash(String source, Map<String, String> headers, List<String> options) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(source.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, String> e : new java.util.TreeMap<>(headers).entrySet()) {
                md.update(e.getKey().getBytes(StandardCharsets.UTF_8));
                md.update(e.getValue().getBytes(StandardCharsets.UTF_8));
            }
            md.update(String.join(" ", options).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest(), 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
