package dev.reel.server.api;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.pipeline.InvalidRequestException;
import dev.reel.pipeline.GenerationRequest;
import dev.reel.pipeline.VideoGeometry;
import dev.reel.pipeline.cache.CacheSpec;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.engine.VideoSpec;
import java.math.BigDecimal;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a {@code POST /v1/videos} body (JSON, multipart or URL-encoded) into a {@link VideoRequest}: every field
 * typed and range-checked here, then the model's rules and the generation limits checked by the model — all
 * before any compute. Each failure is an {@link ApiError} naming the field ({@code param}) and the rule it broke.
 *
 * <p>Defaults are the served model's ({@link VideoModel#defaults}), the same the CLI and the Java API use.
 * Frames: {@code nvext.num_frames} when given (it must keep the model's frame rule, 4k+1 for Wan2.1);
 * otherwise {@code fps × seconds} rounded up to the next allowed count (16 fps × 5 s = 80 → 81); with neither,
 * the model's default frame count. Unknown fields are ignored.
 */
public final class VideoRequestParser {
    /** Longest prompt or negative prompt, in characters (the text encoder reads 512 tokens at most anyway). */
    public static final int MAX_PROMPT_CHARS = 20_000;
    /** Longest request, in seconds of video. */
    public static final int MAX_SECONDS = 600;
    public static final int MAX_FPS = 120;
    public static final int MAX_PRIORITY = 100;
    public static final double MAX_GUIDANCE = 100;
    private static final Pattern SIZE = Pattern.compile("(\\d{1,6})[xX](\\d{1,6})");
    private static final Pattern SECONDS = Pattern.compile("\\d{1,6}(\\.\\d{1,6})?");

    static final ObjectMapper JSON = strictMapper();

    private final VideoModel model;

    public VideoRequestParser(VideoModel model) { this.model = model; }

    /**
     * Parses a JSON or URL-encoded body sent with {@code Content-Type: contentType} (null: treated as JSON); a
     * multipart body is read from the request by {@link FormBody#multipart} and parsed by {@link #parse(FormBody.Parts)}.
     */
    public VideoRequest parse(String contentType, byte[] body) {
        String ct = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT).trim();
        if (ct.startsWith("multipart/form-data")) throw new IllegalArgumentException("a multipart body is parsed from its parts");
        if (ct.startsWith("application/x-www-form-urlencoded")) return parse(fromForm(FormBody.urlEncoded(body)), true, Map.of());
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JacksonException e) {
            throw ApiError.malformed("invalid_json", "body is not valid JSON: " + firstLine(e.getOriginalMessage()));
        } catch (java.io.IOException e) {
            throw ApiError.malformed("invalid_json", "body is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) throw ApiError.malformed("invalid_json", "body must be a JSON object");
        return parse((ObjectNode) root, false, Map.of());
    }

    /** Parses the fields and files of a multipart body. */
    VideoRequest parse(FormBody.Parts parts) { return parse(fromForm(parts.fields()), true, parts.files()); }

    /**
     * Form fields as a JSON object: {@code nvext} given as a JSON string or as {@code nvext[field]} parts. Fields are
     * taken in name order, so {@code nvext[field]} parts override the same field in an {@code nvext} JSON string.
     */
    private static ObjectNode fromForm(Map<String, String> fields) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode nvext = JsonNodeFactory.instance.objectNode();
        for (var e : new TreeMap<>(fields).entrySet()) {
            String k = e.getKey();
            if (k.equals("nvext")) {
                try {
                    JsonNode n = JSON.readTree(e.getValue());
                    if (n == null || !n.isObject()) throw ApiError.invalid("nvext", "nvext must be a JSON object");
                    nvext.setAll((ObjectNode) n);
                } catch (JacksonException ex) {
                    throw ApiError.invalid("nvext", "nvext is not valid JSON: " + firstLine(ex.getOriginalMessage()));
                }
            } else if (k.startsWith("nvext[") && k.endsWith("]")) {
                nvext.put(k.substring(6, k.length() - 1), e.getValue());
            } else {
                root.put(k, e.getValue());
            }
        }
        if (!nvext.isEmpty()) root.set("nvext", nvext);
        return root;
    }

    private VideoRequest parse(ObjectNode root, boolean form, Map<String, byte[]> files) {
        Fields top = new Fields(root, "", form);
        String prompt = top.text("prompt", true);
        if (prompt.isBlank()) throw ApiError.invalid("prompt", "prompt must not be empty");
        String modelName = top.text("model", false);
        if (modelName != null && !modelName.equals(model.id())) {
            throw ApiError.notFound("model_not_found", "model", "model \"" + clip(modelName) + "\" is not served here; GET /v1/models lists \"" + model.id() + "\"");
        }
        GenerationRequest defaults = model.defaults();
        int[] wh = size(top.text("size", false), defaults);
        String secondsText = seconds(top);
        int priority = top.integer("priority", -MAX_PRIORITY, MAX_PRIORITY, 0);
        VideoRequest.ResponseFormat format = responseFormat(top.text("response_format", false));

        JsonNode nvextNode = root.get("nvext");
        if (nvextNode != null && !nvextNode.isNull() && !nvextNode.isObject()) {
            throw ApiError.invalid("nvext", "nvext must be an object");
        }
        Fields nv = new Fields(nvextNode != null && nvextNode.isObject() ? (ObjectNode) nvextNode : JsonNodeFactory.instance.objectNode(), "nvext.", form);
        int fps = nv.integer("fps", 1, MAX_FPS, defaults.fps());
        Integer numFrames = nv.has("num_frames") ? nv.integer("num_frames", 1, Integer.MAX_VALUE, 0) : null;
        VideoGeometry geometry = model.geometry();
        if (numFrames != null && !geometry.validFrames(numFrames)) {
            int lower = geometry.framesAtMost(numFrames), upper = geometry.framesAtLeast(numFrames);
            String nearest = lower < 1 ? "the nearest allowed value is " + upper : "the nearest allowed values are " + lower + " and " + upper;
            throw ApiError.invalid("nvext.num_frames", "nvext.num_frames = " + numFrames + ": must be " + geometry.frameRule() + ": " + nearest);
        }
        String negative = nv.text("negative_prompt", false);
        int steps = nv.integer("num_inference_steps", 1, Integer.MAX_VALUE, defaults.numInferenceSteps());
        double guidance = nv.number("guidance_scale", 0, MAX_GUIDANCE, defaults.guidanceScale());
        Double guidance2 = nv.has("guidance_scale_2") ? Double.valueOf(nv.number("guidance_scale_2", 0, MAX_GUIDANCE, 0)) : defaults.guidanceScale2();
        long seed = nv.has("seed") ? nv.longInteger("seed", 0, Long.MAX_VALUE) : GenerationRequest.randomSeed();

        // frames: given, else fps × seconds, else the model's default count
        int frames = numFrames != null ? numFrames : secondsText != null ? geometry.framesAtLeast(framesFor(fps, secondsText)) : defaults.numFrames();
        String shownSeconds = secondsText != null ? secondsText
                : BigDecimal.valueOf(frames).divide(BigDecimal.valueOf(fps), 3, java.math.RoundingMode.HALF_UP).stripTrailingZeros().toPlainString();

        String cache = cache(nv.text("cache", false));
        String first = picture("input_reference", files.get("input_reference"), top.node("input_reference"));
        String last = picture("nvext.last_image", files.get("last_image"), nv.node("last_image"));
        VideoSpec spec = new VideoSpec(prompt, negative == null ? defaults.negativePrompt() : negative, wh[0], wh[1], frames, fps, steps, guidance,
                seed, cache, first, last, guidance2);
        try {
            model.validate(spec);
        } catch (VideoModel.SpecRejectedException e) {
            throw e.limit() ? ApiError.limit(e.param(), e.getMessage()) : ApiError.invalid(e.param(), e.getMessage());
        }
        return new VideoRequest(spec, shownSeconds, priority, format);
    }

    /** A picture from a multipart file part or a JSON/form value (a data URL), as base64; null when neither is sent. */
    private static String picture(String param, byte[] file, JsonNode value) {
        if (file != null) return InputReference.fromBytes(param, file);
        return value == null ? null : InputReference.fromJson(param, value);
    }

    /**
     * {@code nvext.cache} in canonical form ({@code none} when absent). Calibration files are the server's to choose,
     * so a request may not name one.
     */
    private static String cache(String text) {
        CacheSpec spec;
        try {
            spec = CacheSpec.parse(text);
        } catch (InvalidRequestException e) {
            throw ApiError.invalid("nvext.cache", "nvext.cache = " + e.value() + ": " + e.rule());
        }
        if (spec.params().containsKey("calibration")) {
            throw ApiError.invalid("nvext.cache", "nvext.cache = \"" + clip(text) + "\": calibration files cannot be named over the API");
        }
        return spec.toString();
    }

    /** {@code "WxH"} → {width, height}. */
    private static int[] size(String text, GenerationRequest defaults) {
        if (text == null) return new int[] {defaults.width(), defaults.height()};
        String s = text.trim();
        Matcher m = SIZE.matcher(s);
        if (!m.matches()) throw ApiError.invalid("size", "size = \"" + clip(s) + "\": must be \"WIDTHxHEIGHT\" in pixels, e.g. \"832x480\"");
        int w = Integer.parseInt(m.group(1)), h = Integer.parseInt(m.group(2));
        if (w < 1 || h < 1) throw ApiError.invalid("size", "size = \"" + s + "\": width and height must be positive");
        return new int[] {w, h};
    }

    /** {@code seconds} as a canonical decimal string, or null when absent; a string or a number is accepted. */
    private static String seconds(Fields top) {
        JsonNode n = top.node("seconds");
        if (n == null) return null;
        String text;
        if (n.isTextual()) text = n.textValue().trim();
        else if (n.isNumber()) text = n.asText();
        else throw ApiError.invalid("seconds", "seconds must be a number or a numeric string, e.g. \"5\"");
        if (!SECONDS.matcher(text).matches()) throw ApiError.invalid("seconds", "seconds = " + clip(text) + ": must be a positive number of seconds, e.g. \"5\"");
        BigDecimal v = new BigDecimal(text);
        if (v.signum() <= 0 || v.compareTo(BigDecimal.valueOf(MAX_SECONDS)) > 0) {
            throw ApiError.invalid("seconds", "seconds = " + text + ": must be in (0, " + MAX_SECONDS + "]");
        }
        return v.stripTrailingZeros().toPlainString();
    }

    /** {@code fps × seconds} rounded up to whole frames (at least 1); the model's frame rule rounds it further. */
    static int framesFor(int fps, String seconds) {
        return Math.max(1, new BigDecimal(seconds).multiply(BigDecimal.valueOf(fps)).setScale(0, java.math.RoundingMode.CEILING).intValueExact());
    }

    private static VideoRequest.ResponseFormat responseFormat(String v) {
        if (v == null) return null;
        return switch (v) {
            case "b64_json" -> VideoRequest.ResponseFormat.B64_JSON;
            case "url" -> VideoRequest.ResponseFormat.URL;
            default -> throw ApiError.invalid("response_format", "response_format = \"" + clip(v) + "\": must be \"b64_json\" or \"url\"");
        };
    }

    static String clip(String s) { return s.length() > 60 ? s.substring(0, 57) + "..." : s; }

    private static String firstLine(String s) {
        if (s == null) return "unreadable";
        int nl = s.indexOf('\n');
        return clip(nl < 0 ? s : s.substring(0, nl));
    }

    /** Typed reads of one JSON object's fields; in forms every value is text, so numbers are parsed from it. */
    private record Fields(ObjectNode obj, String prefix, boolean form) {
        boolean has(String name) {
            JsonNode n = obj.get(name);
            return n != null && !n.isNull();
        }

        JsonNode node(String name) { return has(name) ? obj.get(name) : null; }

        String text(String name, boolean required) {
            JsonNode n = node(name);
            if (n == null) {
                if (required) throw ApiError.missing(prefix + name);
                return null;
            }
            if (!n.isTextual()) throw ApiError.invalid(prefix + name, prefix + name + " must be a string");
            String v = n.textValue();
            if (v.length() > MAX_PROMPT_CHARS) throw ApiError.limit(prefix + name, prefix + name + " is longer than " + MAX_PROMPT_CHARS + " characters");
            return v;
        }

        /** A number node: the JSON value, or in forms the text parsed as a JSON number. */
        private JsonNode numeric(String name, String what) {
            JsonNode n = obj.get(name);
            if (form && n.isTextual()) {
                try {
                    n = JSON.readTree(n.textValue());
                } catch (JacksonException e) {
                    n = null;
                }
            }
            if (n == null || !n.isNumber()) throw ApiError.invalid(prefix + name, prefix + name + " must be " + what);
            return n;
        }

        int integer(String name, int min, int max, int dflt) {
            if (!has(name)) return dflt;
            String what = "an integer in " + min + ".." + max;
            JsonNode n = numeric(name, what);
            if (!n.isIntegralNumber() || !n.canConvertToInt() || n.intValue() < min || n.intValue() > max) {
                throw ApiError.invalid(prefix + name, prefix + name + " = " + clip(n.asText()) + ": must be " + what);
            }
            return n.intValue();
        }

        long longInteger(String name, long min, long max) {
            String what = "an integer in " + min + ".." + max;
            JsonNode n = numeric(name, what);
            if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < min || n.longValue() > max) {
                throw ApiError.invalid(prefix + name, prefix + name + " = " + clip(n.asText()) + ": must be " + what);
            }
            return n.longValue();
        }

        double number(String name, double min, double max, double dflt) {
            if (!has(name)) return dflt;
            String what = "a number in " + min + ".." + max;
            JsonNode n = numeric(name, what);
            double v = n.doubleValue();
            if (!Double.isFinite(v) || v < min || v > max) throw ApiError.invalid(prefix + name, prefix + name + " = " + clip(n.asText()) + ": must be " + what);
            return v;
        }
    }

    /** The JSON reader: strict (duplicate keys, trailing garbage) and bounded (nesting, number length). */
    private static ObjectMapper strictMapper() {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(64).maxNumberLength(100).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        return new ObjectMapper(f).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }
}
