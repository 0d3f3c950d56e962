package dev.reel.models.lora;

import dev.reel.core.ReelException;

/** A LoRA file or LoRA setting that cannot be applied; the message names the key, module or value at fault. */
public final class LoraException extends ReelException {
    public LoraException(String message) { super(message); }
    public LoraException(String message, Throwable cause) { super(message, cause); }
}
