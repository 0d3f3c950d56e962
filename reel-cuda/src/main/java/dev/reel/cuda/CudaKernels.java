package dev.reel.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Reel's own kernels: the {@code kernels/*.cu} resources, compiled by {@link Nvrtc} for the device's
 * architecture (cubins cached on disk), loaded as modules at first use, functions looked up once. {@link #prefetch}
 * compiles every source on background threads when the device opens, so a cold cache (each file takes NVRTC up to
 * ~1.7 s) is paid beside loading the weights, not inside the first denoising step.
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
    private final Map<String, CompletableFuture<byte[]>> cubins = new ConcurrentHashMap<>();
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

    /**
     * Starts making every source's cubin on daemon threads of its own (NVRTC compiles distinct programs side by side;
     * nothing here touches the CUDA context, so modules still load on the thread that first needs them).
     */
    void prefetch() {
        Executor background = task -> Thread.ofPlatform().daemon().name("reel-nvrtc").start(task);
        for (String file : SOURCES) cubins.computeIfAbsent(file, f -> CompletableFuture.supplyAsync(() -> cubin(f), background));
    }

    private byte[] cubin(String file) {
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        for (String h : HEADERS) headers.put(h, source(h));
        return Nvrtc.get(libraryPath).cubin(file, source(file), headers, arch, List.of("-lineinfo"), cacheDir);
    }

    private MemorySegment load(String file) {
        CompletableFuture<byte[]> made = cubins.computeIfAbsent(file, f -> CompletableFuture.completedFuture(cubin(f)));
        try {
            return cu.loadModule(made.join());
        } catch (CompletionException e) {
            // the compile's own error (a CudaException naming the file and NVRTC's log), not the future's wrapper
            if (e.getCause() instanceof RuntimeException r) throw r;
            throw e;
        }
    }
}
