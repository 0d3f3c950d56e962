package dev.reel.models.lora;

import dev.reel.models.nn.Linear;
import dev.reel.models.nn.Module;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks the linears a LoRA adapts by name. A pattern is a dotted name ({@code to_q}, {@code attn1.to_out.0},
 * {@code ffn}); it selects every linear whose full name contains it as whole segments: {@code to_q} selects
 * {@code blocks.3.attn1.to_q} (PEFT's suffix rule) and {@code ffn} selects {@code blocks.3.ffn.net.0.proj} and
 * {@code blocks.3.ffn.net.2} (everything inside the {@code ffn} module).
 */
public final class LoraTargets {
    private LoraTargets() {}

    /**
     * The linears of {@code model} that {@code patterns} select, by full name in model order; a pattern that
     * selects nothing is an error naming it.
     */
    public static Map<String, Linear> select(Module model, List<String> patterns) {
        Map<String, Linear> linears = linears(model);
        Map<String, Linear> out = new LinkedHashMap<>();
        Set<String> used = new HashSet<>();
        linears.forEach((name, linear) -> {
            for (String p : patterns) {
                if (matches(name, p)) {
                    out.put(name, linear);
                    used.add(p);
                }
            }
        });
        List<String> unmatched = patterns.stream().filter(p -> !used.contains(p)).toList();
        if (!unmatched.isEmpty()) {
            String example = linears.keySet().stream().filter(n -> n.contains("to_q")).findFirst()
                    .orElse(linears.keySet().stream().findFirst().orElse("(none)"));
            throw new LoraException("LoRA targets " + unmatched + " match no linear layer of the model; linears are named like '"
                    + example + "' and a target is a dotted part of such a name (to_q, to_out.0, attn2, ffn, …)");
        }
        return out;
    }

    /** Every linear of {@code model} by full name. */
    public static Map<String, Linear> linears(Module model) {
        Map<String, Linear> out = new LinkedHashMap<>();
        model.namedModules().forEach((name, m) -> { if (m instanceof Linear l) out.put(name, l); });
        return out;
    }

    /** True if the segments of {@code pattern} occur as a contiguous run of the segments of {@code name}. */
    static boolean matches(String name, String pattern) {
        String n = "." + name + ".";
        return n.contains("." + pattern + ".");
    }
}
