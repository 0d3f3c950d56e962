package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Compiles every kernel resource with {@code nvcc -arch=sm_90 --cubin} (as NVRTC will on an H100), so a kernel
 * that does not compile cannot land even though CI has no GPU. Skipped, with a message, where nvcc is absent.
 */
class KernelSourcesCompileTest {
    @TempDir static Path dir;
    static String nvcc;

    @BeforeAll
    static void findNvcc() throws IOException {
        nvcc = findOnPath("nvcc");
        if (nvcc == null && Files.isExecutable(Path.of("/usr/local/cuda/bin/nvcc"))) nvcc = "/usr/local/cuda/bin/nvcc";
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: CUDA kernel sources are not compile-checked here");
        for (String h : CudaKernels.HEADERS) Files.writeString(dir.resolve(h), CudaKernels.source(h), StandardCharsets.UTF_8);
        for (String s : CudaKernels.SOURCES) Files.writeString(dir.resolve(s), CudaKernels.source(s), StandardCharsets.UTF_8);
    }

    static List<String> sources() { return CudaKernels.SOURCES; }

    @ParameterizedTest
    @MethodSource("sources")
    void compilesForSm90(String source) throws Exception {
        Path out = dir.resolve(source + ".cubin");
        List<String> cmd = new ArrayList<>(List.of(nvcc, "-arch=sm_90", "--cubin", "-std=c++17", "-Werror", "all-warnings", "-o", out.toString(), source));
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "nvcc timed out on " + source);
        assertEquals(0, p.exitValue(), "nvcc failed on " + source + ":\n" + log);
        assertTrue(Files.size(out) > 0, "nvcc wrote no cubin for " + source);
    }

    private static String findOnPath(String exe) {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String d : path.split(File.pathSeparator)) {
            Path p = Path.of(d, exe);
            if (Files.isExecutable(p)) return p.toString();
        }
        return null;
    }
}
