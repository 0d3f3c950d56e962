package dev.reel.server.api;

import dev.reel.server.engine.VideoSpec;

/**
 * A parsed, validated {@code POST /v1/videos}.
 *
 * @param spec           what to generate, every default resolved
 * @param seconds        the duration as the video object shows it
 * @param priority       higher runs first (default 0)
 * @param responseFormat null for OpenAI's asynchronous call; {@code b64_json} or {@code url} for Dynamo's waiting one
 */
public record VideoRequest(VideoSpec spec, String seconds, int priority, ResponseFormat responseFormat) {
    /** Dynamo's {@code response_format}. */
    public enum ResponseFormat { B64_JSON, URL }
}
