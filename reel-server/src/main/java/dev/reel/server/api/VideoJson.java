package dev.reel.server.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.server.jobs.JobEvent;
import dev.reel.server.jobs.JobRecord;
import dev.reel.server.jobs.Jobs;
import dev.reel.server.jobs.JobStatus;
import dev.reel.server.engine.VideoSpec;

/** The JSON the API answers with: OpenAI's video object, Dynamo's response, lists, events and errors. */
final class VideoJson {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private VideoJson() {}

    /** OpenAI's video object, with Reel's generation parameters under {@code nvext}. */
    static ObjectNode video(JobRecord r) {
        ObjectNode o = MAPPER.createObjectNode();
        VideoSpec s = r.spec();
        o.put("id", r.id());
        o.put("object", "video");
        o.put("model", r.model());
        o.put("status", r.status().apiName());
        o.put("progress", r.progress());
        o.put("created_at", r.createdAt());
        if (r.completedAt() != null) o.put("completed_at", r.completedAt()); else o.putNull("completed_at");
        if (r.expiresAt() != null) o.put("expires_at", r.expiresAt()); else o.putNull("expires_at");
        o.put("size", s.size());
        o.put("seconds", r.seconds());
        o.put("prompt", s.prompt());
        o.put("priority", r.priority());
        if (r.error() != null) {
            ObjectNode e = o.putObject("error");
            e.put("code", r.error().code());
            e.put("message", r.error().message());
        } else {
            o.putNull("error");
        }
        if (r.inferenceTimeS() != null) o.put("inference_time_s", r.inferenceTimeS());
        ObjectNode nv = o.putObject("nvext");
        nv.put("fps", s.fps());
        nv.put("num_frames", s.numFrames());
        nv.put("negative_prompt", s.negativePrompt());
        nv.put("num_inference_steps", s.numInferenceSteps());
        nv.put("guidance_scale", s.guidanceScale());
        if (s.guidanceScale2() != null) nv.put("guidance_scale_2", s.guidanceScale2());
        nv.put("seed", s.seed());
        nv.put("cache", s.cache());
        if (r.passes() != null) {
            ObjectNode p = o.putObject("transformer_passes");
            p.put("run", r.passes().run());
            p.put("skipped", r.passes().skipped());
            p.put("attention_reused", r.passes().attentionReused());
        }
        return o;
    }

    /** The deletion receipt. */
    static ObjectNode deleted(String id) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", id);
        o.put("object", "video.deleted");
        o.put("deleted", true);
        return o;
    }

    /**
     * Dynamo's response to a request with {@code response_format}: {@code data} holds one item,
     * {@code {"b64_json": …}} or {@code {"url": …}}, when the video completed, and is empty otherwise.
     */
    static ObjectNode dynamo(JobRecord r, String dataKey, String dataValue) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("id", r.id());
        o.put("object", "video");
        o.put("model", r.model());
        o.put("status", r.status() == JobStatus.COMPLETED ? "completed" : "failed");
        o.put("progress", r.progress());
        o.put("created", r.createdAt());
        var data = o.putArray("data");
        if (dataKey != null) data.addObject().put(dataKey, dataValue);
        if (r.inferenceTimeS() != null) o.put("inference_time_s", r.inferenceTimeS()); else o.putNull("inference_time_s");
        if (r.error() != null) o.put("error", r.error().message()); else o.putNull("error");
        return o;
    }

    /** A page of {@code GET /v1/videos}. */
    static ObjectNode list(Jobs.Page page) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("object", "list");
        var data = o.putArray("data");
        for (JobRecord r : page.jobs()) data.add(video(r));
        if (page.jobs().isEmpty()) {
            o.putNull("first_id");
            o.putNull("last_id");
        } else {
            o.put("first_id", page.jobs().getFirst().id());
            o.put("last_id", page.jobs().getLast().id());
        }
        o.put("has_more", page.hasMore());
        return o;
    }

    /** The data of one server-sent event: the video object, plus the step counts of progress events. */
    static ObjectNode event(JobEvent e) {
        ObjectNode o = video(e.state());
        if (e.type().equals("progress")) {
            o.put("step", e.step());
            o.put("total_steps", e.totalSteps());
        }
        return o;
    }

    /** OpenAI's error shape. */
    static ObjectNode error(ApiError e) {
        ObjectNode o = MAPPER.createObjectNode();
        ObjectNode err = o.putObject("error");
        err.put("message", e.getMessage());
        err.put("type", e.type());
        if (e.param() != null) err.put("param", e.param()); else err.putNull("param");
        err.put("code", e.code());
        return o;
    }
}
