package dev.reel.cuda;

import dev.reel.core.SystemOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A shared library found by soname and bound through FFM. The folders of {@link SystemOptions#libraryPath()} are
 * tried first, then the dynamic loader's own search (LD_LIBRARY_PATH, the ldconfig cache), then the CUDA toolkit's
 * folders and the {@code nvidia/*}/lib folders of Python wheels (where PyTorch installs cuBLAS, NVRTC and cuDNN).
 */
final class NativeLibrary {
    private static final Linker LINKER = Linker.nativeLinker();

    private final String soname;
    private final String location;
    private final SymbolLookup lookup;

    private NativeLibrary(String soname, String location, SymbolLookup lookup) {
        this.soname = soname;
        this.location = location;
        this.lookup = lookup;
    }

    /**
     * Loads the first of {@code sonames} that can be opened.
     *
     * @param what        the library's name for error messages, e.g. "NVRTC"
     * @param libraryPath folders to search before the system's ({@link SystemOptions#libraryPath()})
     * @param sonames     candidate sonames, most preferred first
     * @throws CudaUnavailableException naming every soname and folder tried
     */
    static NativeLibrary load(String what, List<Path> libraryPath, String... sonames) {
        List<String> tried = new ArrayList<>();
        NativeLibrary own = loadFrom(libraryPath, sonames, tried);
        if (own != null) return own;
        for (String name : sonames) {
            try {
                return new NativeLibrary(name, name, SymbolLookup.libraryLookup(name, Arena.global()));
            } catch (IllegalArgumentException e) {
                tried.add(name);
            }
        }
        NativeLibrary found = loadFrom(searchDirs(), sonames, tried);
        if (found != null) return found;
        List<Path> all = new ArrayList<>(libraryPath);
        all.addAll(searchDirs());
        throw new CudaUnavailableException(what + " library not found: tried " + String.join(", ", sonames)
                + " on the loader path and in " + all + " (add its folder to the library path, or to LD_LIBRARY_PATH)");
    }

    private static NativeLibrary loadFrom(List<Path> dirs, String[] sonames, List<String> tried) {
        for (Path dir : dirs) {
            for (String name : sonames) {
                Path p = dir.resolve(name);
                if (!Files.isRegularFile(p)) continue;
                try {
                    return new NativeLibrary(name, p.toString(), SymbolLookup.libraryLookup(p, Arena.global()));
                } catch (IllegalArgumentException e) {
                    tried.add(p.toString());
                }
            }
        }
        return null;
    }

    /** The soname that was opened. */
    String soname() { return soname; }

    /** Where it was found (the soname itself when the dynamic loader found it). */
    String location() { return location; }

    /** A downcall handle for the first of {@code symbols} the library exports. */
    MethodHandle fn(FunctionDescriptor fd, String... symbols) {
        for (String s : symbols) {
            Optional<MemorySegment> addr = lookup.find(s);
            if (addr.isPresent()) return LINKER.downcallHandle(addr.get(), fd);
        }
        throw new CudaUnavailableException(location + " does not export " + String.join(" or ", symbols) + " (library too old?)");
    }

    /** Like {@link #fn} but for functions whose absence is tolerated. */
    Optional<MethodHandle> optional(FunctionDescriptor fd, String symbol) {
        return lookup.find(symbol).map(a -> LINKER.downcallHandle(a, fd));
    }

    /** Well-known folders searched after the dynamic loader's own path, in order. */
    static List<Path> searchDirs() {
        Set<Path> dirs = new LinkedHashSet<>();
        for (String d : List.of("/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
                "/usr/local/nvidia/lib64", "/usr/lib64")) {
            dirs.add(Path.of(d));
        }
        // Python wheels: <prefix>/lib/python3.X/site-packages/nvidia/<pkg>/lib (and cu13 sub-folders)
        for (String prefix : List.of("/opt/torch/.venv/lib", "/usr/local/lib", "/usr/lib", "/opt/conda/lib")) {
            for (Path py : list(Path.of(prefix), "python3*")) {
                for (String site : List.of("site-packages", "dist-packages")) {
                    Path nv = py.resolve(site).resolve("nvidia");
                    for (Path pkg : list(nv, "*")) {
                        dirs.add(pkg.resolve("lib"));
                        for (Path sub : list(pkg, "cu1*")) dirs.add(sub.resolve("lib"));
                    }
                }
            }
        }
        dirs.removeIf(d -> !Files.isDirectory(d));
        return List.copyOf(dirs);
    }

    private static List<Path> list(Path dir, String glob) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, glob)) {
            for (Path p : ds) if (Files.isDirectory(p)) out.add(p);
        } catch (IOException ignored) {
            // unreadable folder: nothing to search there
        }
        out.sort(null);
        return out;
    }
}
