package dev.reel.server.jobs;

/**
 * Why a job failed.
 *
 * @param code    machine-readable reason: {@code interrupted}, {@code cancelled}, {@code generation_failed}
 * @param message what happened, for a person
 */
public record JobError(String code, String message) {}
