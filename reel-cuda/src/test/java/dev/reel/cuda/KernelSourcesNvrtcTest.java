package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compiles every kernel resource with NVRTC as {@link CudaKernels} does on a GPU machine (the headers handed over
 * in memory, C++17), to PTX for {@code compute_90}, wherever an NVRTC library is installed; the machine needs no GPU
 * (CI installs Debian's {@code libnvrtc}). Any NVRTC that knows Hopper will do: this checks that the sources compile,
 * not the cubin (Debian's NVRTC 11.8 crashes making SASS of the attention kernel, which CUDA 13's compiles). Skipped,
 * with a message, where no NVRTC is found.
 */
class KernelSourcesNvrtcTest {
    private static final List<Path> DIRS = List.of(Path.of("/usr/local/cuda/lib64"), Path.of("/usr/local/cuda/targets/x86_64-linux/lib"),
            Path.of("/usr/lib/x86_64-linux-gnu"));
    private static MethodHandle create, compile, logSize, log;

    @BeforeAll
    static void findNvrtc() throws IOException {
        Path lib = null;
        for (Path d : DIRS) {
            if (!Files.isDirectory(d)) continue;
            try (Stream<Path> s = Files.list(d)) {
                lib = s.filter(p -> p.getFileName().toString().matches("libnvrtc\\.so\\.\\d+(\\.\\d+)*")).sorted().reduce((a, b) -> b).orElse(null);
            }
            if (lib != null) break;
        }
        Assumptions.assumeTrue(lib != null, "no libnvrtc.so in " + DIRS + ": CUDA kernel sources are not NVRTC-checked here");
        Linker l = Linker.nativeLinker();
        SymbolLookup n = SymbolLookup.libraryLookup(lib, Arena.global());
        create = l.downcallHandle(n.find("nvrtcCreateProgram").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compile = l.downcallHandle(n.find("nvrtcCompileProgram").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        logSize = l.downcallHandle(n.find("nvrtcGetProgramLogSize").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
        log = l.downcallHandle(n.find("nvrtcGetProgramLog").orElseThrow(), FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    static List<String> sources() { return CudaKernels.SOURCES; }

    @ParameterizedTest
    @MethodSource("sources")
    void compilesForSm90(String source) throws Throwable {
        try (Arena a = Arena.ofConfined()) {
            List<String> headers = CudaKernels.HEADERS;
            MemorySegment texts = a.allocate(ADDRESS, headers.size()), names = a.allocate(ADDRESS, headers.size());
            for (int i = 0; i < headers.size(); i++) {
                texts.setAtIndex(ADDRESS, i, a.allocateFrom(CudaKernels.source(headers.get(i))));
                names.setAtIndex(ADDRESS, i, a.allocateFrom(headers.get(i)));
            }
            MemorySegment prog = a.allocate(ADDRESS);
            assertEquals(0, (int) create.invokeExact(prog, a.allocateFrom(CudaKernels.source(source)), a.allocateFrom(source), headers.size(), texts, names));
            MemorySegment p = prog.get(ADDRESS, 0);
            String[] options = {"--gpu-architecture=compute_90", "--std=c++17", "-lineinfo"};
            MemorySegment opts = a.allocate(ADDRESS, options.length);
            for (int i = 0; i < options.length; i++) opts.setAtIndex(ADDRESS, i, a.allocateFrom(options[i]));
            int r = (int) compile.invokeExact(p, options.length, opts);
            MemorySegment size = a.allocate(JAVA_LONG);
            int ignored = (int) logSize.invokeExact(p, size);
            MemorySegment text = a.allocate(size.get(JAVA_LONG, 0) + 1);
            ignored = (int) log.invokeExact(p, text);
            assertEquals(0, r, "NVRTC could not compile " + source + ":\n" + text.getString(0));
        }
    }
}
