package dev.reel.server.api;

/**
 * An error answered in OpenAI's shape, {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * @see #body
 */
public final class ApiError extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final Integer retryAfterSeconds;

    private ApiError(int status, String type, String code, String param, String message, Integer retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400: {@code param} broke a rule; the message names the field and the rule. */
    public static ApiError invalid(String param, String message) {
        return new ApiError(400, "invalid_request_error", "invalid_value", param, message, null);
    }

    /** 400: a required field is absent. */
    public static ApiError missing(String param) {
        return new ApiError(400, "invalid_request_error", "missing_field", param, param + " is required", null);
    }

    /** 400: the request exceeds a configured limit. */
    public static ApiError limit(String param, String message) {
        return new ApiError(400, "invalid_request_error", "limit_exceeded", param, message, null);
    }

    /** 400: the body is not what the route reads (bad JSON, broken multipart). */
    public static ApiError malformed(String code, String message) {
        return new ApiError(400, "invalid_request_error", code, null, message, null);
    }

    /** 401: missing or wrong API key. */
    public static ApiError unauthorized() {
        return new ApiError(401, "authentication_error", "invalid_api_key",
                null, "a valid API key is required: send Authorization: Bearer <key>", null);
    }

    /** 403: the request's Host or Origin is not allowed (see {@code HttpAccess}). */
    public static ApiError forbidden(String code, String message) {
        return new ApiError(403, "permission_error", code, null, message, null);
    }

    /** 405: the path exists but not for this method; {@code allow} lists the methods it has. */
    public static ApiError methodNotAllowed(String method, String path, String allow) {
        return new ApiError(405, "invalid_request_error", "method_not_allowed", null,
                method + " is not allowed on " + VideoRequestParser.clip(path) + "; allowed: " + allow, null);
    }

    /** 415: a body of a type the route does not read. */
    public static ApiError unsupportedMediaType(String contentType) {
        return new ApiError(415, "invalid_request_error", "unsupported_media_type", null,
                "Content-Type " + contentType + " is not accepted; send application/json, multipart/form-data or application/x-www-form-urlencoded", null);
    }

    /** 404 with a specific code ({@code video_not_found}, {@code model_not_found}, {@code video_not_ready}, …). */
    public static ApiError notFound(String code, String param, String message) {
        return new ApiError(404, "invalid_request_error", code, param, message, null);
    }

    /** 413: the body is larger than {@code max} bytes. */
    public static ApiError tooLarge(long max) {
        return new ApiError(413, "invalid_request_error", "body_too_large", null,
                "request body is larger than the limit of " + max + " bytes", null);
    }

    /** 416: the {@code bytes} range asked for is malformed or lies outside the file. */
    public static ApiError rangeNotSatisfiable(String range, long size) {
        return new ApiError(416, "invalid_request_error", "range_not_satisfiable", null,
                "Range \"" + VideoRequestParser.clip(range) + "\" is malformed or lies outside the file of " + size
                        + " bytes; send bytes=FIRST-LAST, bytes=FIRST- or bytes=-COUNT with FIRST below " + size, null);
    }

    /** 429: the queue is full; {@code Retry-After} tells when to come back. */
    public static ApiError queueFull(String message, int retryAfterSeconds) {
        return new ApiError(429, "rate_limit_error", "queue_full", null, message, retryAfterSeconds);
    }

    /** 503: the server is loading or stopping. */
    public static ApiError unavailable(String code, String message) {
        return new ApiError(503, "server_error", code, null, message, null);
    }

    /** 500: a real internal fault (logged by the caller). */
    public static ApiError internal(String message) {
        return new ApiError(500, "server_error", "internal_error", null, message, null);
    }

    public int status() { return status; }
    public String type() { return type; }
    public String code() { return code; }
    public String param() { return param; }

    /** Seconds for a {@code Retry-After} header, or null. */
    public Integer retryAfterSeconds() { return retryAfterSeconds; }
}
