package dev.reel.models.lora;

import java.util.Arrays;
import java.util.List;

/**
 * How fresh LoRA adapters are shaped: {@code rank} r, {@code alpha}, and the linears they adapt. Each adapted
 * linear computes {@code W·x + b + (alpha / r) · B·A·x} (PEFT's default scaling {@code lora_alpha / r}).
 *
 * @param rank    the inner width r of {@code lora_A [r, in]} and {@code lora_B [out, r]}
 * @param alpha   PEFT's {@code lora_alpha}
 * @param targets name patterns of the linears to adapt ({@link LoraTargets})
 */
public record LoraConfig(int rank, float alpha, List<String> targets) {
    /** The attention projections and the feed-forward of every Wan block. */
    public static final List<String> DEFAULT_TARGETS = List.of("to_q", "to_k", "to_v", "to_out.0", "ffn");

    public LoraConfig {
        if (rank < 1) throw new LoraException("LoRA rank = " + rank + ": must be at least 1");
        if (!(alpha > 0) || Float.isInfinite(alpha)) throw new LoraException("LoRA alpha = " + alpha + ": must be a positive number");
        targets = List.copyOf(targets);
        if (targets.isEmpty()) throw new LoraException("LoRA targets: give at least one name pattern, e.g. to_q,to_k,to_v,to_out.0,ffn");
    }

    /** The scale of the low-rank path, {@code alpha / rank}. */
    public float scale() { return alpha / rank; }

    /** Splits a comma-separated target list ({@code "to_q,to_k,to_v,to_out.0,ffn"}), dropping blanks. */
    public static List<String> parseTargets(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }
}
