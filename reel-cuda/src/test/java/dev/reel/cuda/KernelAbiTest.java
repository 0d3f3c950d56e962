package dev.reel.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs everywhere (no GPU): every code {@link KernelAbi} sends to a kernel equals the {@code #define} of the same
 * name in the kernel sources, and every code-like {@code #define} in the sources has its Java side.
 */
class KernelAbiTest {
    private static final Pattern DEFINE = Pattern.compile("^\\s*#define\\s+(\\w+)\\s+(-?\\d+)\\b", Pattern.MULTILINE);
    /** Prefixes of the macros that are codes passed from Java (the rest are kernel-internal tile sizes). */
    private static final List<String> CODE_PREFIXES = List.of("DT_", "U_", "B_", "T_", "RED_");

    static Map<String, Integer> sourceDefines() {
        Map<String, Integer> defs = new LinkedHashMap<>();
        List<String> files = new ArrayList<>(CudaKernels.HEADERS);
        files.addAll(CudaKernels.SOURCES);
        for (String f : files) {
            Matcher m = DEFINE.matcher(CudaKernels.source(f));
            while (m.find()) {
                Integer old = defs.put(m.group(1), Integer.parseInt(m.group(2)));
                if (old != null) assertEquals(old, defs.get(m.group(1)), m.group(1) + " is defined twice with different values (again in " + f + ")");
            }
        }
        return defs;
    }

    @Test
    void everyJavaCodeMatchesItsDefine() {
        Map<String, Integer> defs = sourceDefines();
        List<String> wrong = new ArrayList<>();
        KernelAbi.macros().forEach((name, code) -> {
            Integer c = defs.get(name);
            if (!code.equals(c)) wrong.add(name + ": Java " + code + ", kernels " + (c == null ? "not defined" : c));
        });
        assertTrue(wrong.isEmpty(), "kernel codes disagree: " + wrong);
    }

    @Test
    void everyKernelCodeHasAJavaSide() {
        Map<String, Integer> java = KernelAbi.macros();
        List<String> orphans = new ArrayList<>();
        for (String name : sourceDefines().keySet()) {
            if (CODE_PREFIXES.stream().anyMatch(name::startsWith) && !java.containsKey(name)) orphans.add(name);
        }
        assertTrue(orphans.isEmpty(), "codes defined in the kernels but unknown to KernelAbi: " + orphans);
    }

    @Test
    void codesAreDistinctWithinEachFamily() {
        Map<String, Map<Integer, String>> seen = new LinkedHashMap<>();
        KernelAbi.macros().forEach((name, code) -> {
            String family = name.contains("_") ? name.substring(0, name.indexOf('_') + 1) : name;
            String other = seen.computeIfAbsent(family, f -> new LinkedHashMap<>()).put(code, name);
            assertTrue(other == null, name + " and " + other + " share code " + code);
        });
    }
}
