package dev.reel.pipeline.cache;

/** Which of a step's transformer passes: the prompt's, or the negative prompt's under classifier-free guidance. */
public enum Branch {
    /** The prompt (conditional) pass; runs first in each step. */
    COND,
    /** The negative-prompt (unconditional) pass. */
    UNCOND
}
