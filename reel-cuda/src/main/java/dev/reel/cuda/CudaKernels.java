package dev.reel.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reel's own kernels: the {@code kernels/*.cu} resources, compiled by {@link Nvrtc} for the device's
 * architecture at first use (cubins cached on disk), loaded as modules, functions looked up once.
 */
final class CudaKernels {
    /** Kernel sources, compiled and checked in CI by {@code KernelSourcesCompileTest}. */
    static final List<String> SOURCES = List.of("elementwise.cu", "norm.cu", "norm_bwd.cu", "misc.cu", "attention.cu", "attention_bwd.cu", "optim.cu");
    /** Headers the sources include. */
    static final List<String> HEADERS = List.of("common.cuh", "flash.cuh");

    private final CudaDriver cu;
    private final String arch;
    private final List<Path> libraryPath;
    private final Path cacheDir;
    private final Map<String, MemorySegment> modules = new ConcurrentHashMap<>();
    private final Map<String, MemorySegment> functions = new ConcurrentHashMap<>();

    /**
     * @param arch        the target, e.g. "sm_90"
     * @param libraryPath where to look for NVRTC first
     * @param cacheDir    the folder of cached cubins
     */
    CudaKernels(CudaDriver cu, String arch, List<Path> libraryPath, Path cacheDir) {
        this.cu = cu;
        this.arch = arch;
        this.libraryPath = libraryPath;
        this.cacheDir = cacheDir;
    }

    /** The folder of cached cubins. */
    Path cacheDir() { return cacheDir; }

    /** The text of a kernel resource. */
    static String source(String name) {
        try (InputStream in = CudaKernels.class.getResourceAsStream("/kernels/" + name)) {
            if (in == null) throw new IllegalStateException("kernel resource /kernels/" + name + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The function {@code name} of source file {@code file}, compiling and loading the module on first use. */
    MemorySegment function(String file, String name) {
        String key = file + ":" + name;
        MemorySegment f = functions.get(key);
        if (f != null) return f;
        synchronized (this) {
            f = functions.get(key);
            if (f != null) return f;
            MemorySegment module = modules.computeIfAbsent(file, this::load);
            f = cu.function(module, name);
            functions.put(key, f);
            return f;
        }
    }

    private MemorySegment load(String file) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (String h : HEADERS) headers.put(h, source(h));
        byte[] cubin = Nvrtc.get(libraryPath).cubin(file, source(file), headers, arch, List.of("-lineinfo"), cacheDir);
        return cu.loadModule(cubin);
    }
}
