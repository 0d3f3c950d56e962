package dev.reel.models.lora;

import java.nio.file.Path;

/**
 * One LoRA to apply at inference: its file and a strength multiplying the file's own scale (Diffusers'
 * {@code set_adapters(weights=…)}).
 *
 * @param file     a safetensors file in the Diffusers/PEFT key format
 * @param strength the factor on the adapter's {@code alpha / r}; 1 applies it as trained
 */
public record LoraSpec(Path file, float strength) {
    public LoraSpec {
        if (!Float.isFinite(strength)) throw new LoraException("LoRA strength = " + strength + " for " + file + ": must be a finite number");
    }

    /** Parses {@code FILE} or {@code FILE:SCALE} (the scale after the last colon, if it is a number). */
    public static LoraSpec parse(String text) {
        int colon = text.lastIndexOf(':');
        if (colon > 0) {
            String tail = text.substring(colon + 1);
            try {
                return new LoraSpec(Path.of(text.substring(0, colon)), Float.parseFloat(tail));
            } catch (NumberFormatException e) {
                if (tail.matches("[-+0-9.eE]+")) throw new LoraException("LoRA '" + text + "': the scale '" + tail + "' is not a number (use FILE or FILE:SCALE, e.g. style.safetensors:0.8)");
            }
        }
        return new LoraSpec(Path.of(text), 1f);
    }
}
