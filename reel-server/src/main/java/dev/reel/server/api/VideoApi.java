package dev.reel.server.api;

import dev.reel.server.jobs.WorkerGroup;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.reel.server.ServerConfig;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.jobs.Job;
import dev.reel.server.jobs.JobEvent;
import dev.reel.server.jobs.JobRecord;
import dev.reel.server.jobs.Jobs;
import dev.reel.server.jobs.JobStatus;
import dev.reel.server.jobs.JobStore;
import dev.reel.server.metrics.ServerMetrics;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP routes: OpenAI's {@code /v1/videos} (plus Dynamo's waiting variant), {@code /v1/models},
 * {@code /health}, {@code /metrics} and the web page. Handlers run on virtual threads, so waiting for a job
 * (Dynamo's call, event streams) simply blocks.
 */
public final class VideoApi {
    private static final Logger log = LoggerFactory.getLogger(VideoApi.class);
    /** Most fields (multipart: parts) a form body of {@code POST /v1/videos} may have. */
    public static final int MAX_FORM_FIELDS = FormBody.MAX_FIELDS;
    private static final String JSON = "application/json";
    private static final String ERROR_WRITTEN = "reel.error";
    /** Seconds between SSE comments that keep idle connections open through proxies. */
    private static final long KEEP_ALIVE_S = 15;
    /** How often a waiting Dynamo call looks whether its client is still there. */
    private static final long CLIENT_CHECK_MS = 250;

    private final Jobs jobs;
    private final JobStore store;
    private final VideoModel model;
    private final ServerConfig config;
    private final ServerMetrics metrics;
    private final VideoRequestParser parser;
    private final byte[] page;
    private final byte[] apiKey;
    private final RequestGuard guard;
    private final long startedAt = Instant.now().getEpochSecond();

    public VideoApi(Jobs jobs, JobStore store, VideoModel model, ServerConfig config, ServerMetrics metrics) {
        this.jobs = jobs;
        this.store = store;
        this.model = model;
        this.config = config;
        this.metrics = metrics;
        this.parser = new VideoRequestParser(model);
        this.page = WebPage.html(model.geometry());
        this.apiKey = config.apiKey() == null ? null : config.apiKey().getBytes(StandardCharsets.UTF_8);
        this.guard = new RequestGuard(config.access(), config.host());
    }

    /** Adds every route, the host/origin and API-key checks and the error mapping to {@code routes}. */
    public void register(RoutesConfig routes) {
        routes.before(guard::check);
        routes.before(this::authorize);
        Routes r = new Routes(routes);
        r.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        r.get("/health", this::health);
        r.get("/metrics", ctx -> ctx.contentType(ServerMetrics.CONTENT_TYPE).result(metrics.scrape()));
        r.get("/v1/models", ctx -> json(ctx, 200, models()));
        r.get("/v1/models/{model}", this::getModel);
        r.post("/v1/videos", this::create);
        r.get("/v1/videos", this::list);
        r.get("/v1/videos/{id}", this::get);
        r.delete("/v1/videos/{id}", this::delete);
        r.get("/v1/videos/{id}/content", this::content);
        r.get("/v1/videos/{id}/events", this::events);
        routes.exception(ApiError.class, (e, ctx) -> error(ctx, e));
        routes.exception(Exception.class, (e, ctx) -> {
            log.error("internal error on {} {}", ctx.method(), ctx.path(), e);
            error(ctx, ApiError.internal("internal error: " + e.getClass().getSimpleName()));
        });
        routes.error(404, ctx -> {
            if (ctx.attribute(ERROR_WRITTEN) != null) return;
            String allow = r.allowed(ctx.path());
            if (allow != null) {
                ctx.header("Allow", allow);
                error(ctx, ApiError.methodNotAllowed(ctx.method().name(), ctx.path(), allow));
            } else {
                error(ctx, ApiError.notFound("route_not_found", null, "no route " + ctx.method() + " " + VideoRequestParser.clip(ctx.path())));
            }
        });
    }

    private void authorize(Context ctx) {
        // the page itself holds no data (it asks for the key and sends it with every API call it makes)
        if (apiKey == null || ctx.path().equals("/health") || ctx.path().equals("/")) return;
        String h = ctx.header("Authorization");
        byte[] given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim().getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (!MessageDigest.isEqual(given, apiKey)) { // constant time: the key cannot be guessed byte by byte
            ctx.header("WWW-Authenticate", "Bearer");
            throw ApiError.unauthorized();
        }
    }

    private void health(Context ctx) {
        ObjectNode o = VideoJson.MAPPER.createObjectNode();
        o.put("model", model.id());
        int status;
        if (jobs.stopping()) {
            status = 503;
            o.put("status", "stopping");
        } else if (jobs.loadError() != null) {
            status = 503;
            o.put("status", "error");
            o.put("error", dev.reel.server.jobs.ClientMessages.redact(jobs.loadError()));
        } else if (!jobs.ready()) {
            status = 503;
            o.put("status", "loading");
        } else {
            status = 200;
            o.put("status", "ok");
        }
        o.put("queue_depth", jobs.queueDepth());
        o.put("pending", jobs.pending());
        var w = o.putArray("workers");
        jobs.workers().forEach(w::add);
        var groups = o.putArray("groups");
        for (WorkerGroup g : jobs.groups()) {
            ObjectNode n = groups.addObject();
            n.put("group", g.index());
            var devs = n.putArray("devices");
            g.devices().forEach(d -> devs.add(d.toString()));
            n.put("status", switch (g.state()) { case LOADING -> "loading"; case READY -> "ok"; case FAILED -> "error"; case STOPPED -> "stopped"; });
            if (g.error() != null) n.put("error", g.error());
            n.put("busy", g.runningJob() != null);
            n.put("jobs_finished", g.finishedJobs());
        }
        json(ctx, status, o);
    }

    private ObjectNode models() {
        ObjectNode o = VideoJson.MAPPER.createObjectNode();
        o.put("object", "list");
        o.putArray("data").add(modelObject());
        return o;
    }

    /**
     * The model object, with Reel's additions: {@code defaults} (what a request that leaves a field out gets, in
     * the API's names; the web page fills its form with them), {@code random_weights} (the demo: noise) and
     * {@code example_prompts} (what the page suggests; empty when the model names none).
     */
    private ObjectNode modelObject() {
        ObjectNode m = VideoJson.MAPPER.createObjectNode();
        m.put("id", model.id());
        m.put("object", "model");
        m.put("created", startedAt);
        m.put("owned_by", "reel");
        m.put("random_weights", model.randomWeights());
        // Reel's addition: family and task, and the pictures a request gives (input_reference; nvext.last_image)
        ObjectNode task = m.putObject("task");
        task.put("family", model.task().family());
        task.put("name", model.task().task());
        task.put("min_images", model.task().minImages());
        task.put("max_images", model.task().maxImages());
        var d = model.defaults();
        ObjectNode o = m.putObject("defaults");
        o.put("size", d.width() + "x" + d.height());
        o.put("num_frames", d.numFrames());
        o.put("fps", d.fps());
        o.put("num_inference_steps", d.numInferenceSteps());
        o.put("guidance_scale", d.guidanceScale());
        if (d.guidanceScale2() != null) o.put("guidance_scale_2", d.guidanceScale2());
        o.put("negative_prompt", d.negativePrompt());
        var examples = m.putArray("example_prompts");
        model.examplePrompts().forEach(examples::add);
        return m;
    }

    /** The video object; a queued one also says how many jobs run before it ({@code queue_position}, 0 = next). */
    private void get(Context ctx) {
        Job job = job(ctx);
        ObjectNode v = VideoJson.video(job.record());
        int pos = jobs.queuePosition(job);
        if (pos >= 0) v.put("queue_position", pos);
        json(ctx, 200, v);
    }

    private void getModel(Context ctx) {
        String name = ctx.pathParam("model");
        if (!name.equals(model.id())) throw ApiError.notFound("model_not_found", "model", "model \"" + VideoRequestParser.clip(name) + "\" is not served here");
        json(ctx, 200, modelObject());
    }

    private void create(Context ctx) {
        RequestGuard.checkContentType(ctx.contentType());
        int max = config.maxBodyBytes();
        if (ctx.req().getContentLengthLong() > max) throw ApiError.tooLarge(max);
        VideoRequest req = ctx.isMultipartFormData() ? parser.parse(FormBody.multipart(ctx, max)) : parser.parse(ctx.contentType(), body(ctx, max));
        Job job;
        try {
            job = jobs.submit(req.spec(), req.seconds(), req.priority());
        } catch (Jobs.QueueFullException e) {
            throw ApiError.queueFull(e.getMessage(), 5);
        } catch (Job.ServerStoppingException e) {
            throw ApiError.unavailable("shutting_down", "the server is shutting down; retry on another instance");
        }
        if (req.responseFormat() == null) {
            json(ctx, 200, VideoJson.video(job.first()));
            return;
        }
        JobRecord done;
        ClientWatch client = ClientWatch.of(ctx);
        try {
            while (true) {
                try {
                    done = job.done().get(CLIENT_CHECK_MS, TimeUnit.MILLISECONDS);
                    break;
                } catch (TimeoutException e) {
                    if (client.gone()) { // nobody waits for this video any more: drop it, as vLLM aborts such requests
                        log.info("job {}: the waiting client disconnected; cancelling the job", job.id());
                        jobs.delete(job.id());
                        return;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ApiError.unavailable("shutting_down", "the server is shutting down");
        } catch (ExecutionException e) {
            throw ApiError.unavailable("shutting_down", "the server stopped before the video was done; it stays queued as " + job.id());
        }
        if (client.mustClose()) ctx.header("Connection", "close");
        dynamoAnswer(ctx, done, req.responseFormat());
    }

    private void dynamoAnswer(Context ctx, JobRecord r, VideoRequest.ResponseFormat format) {
        if (r.status() != JobStatus.COMPLETED) {
            // a failed generation is an internal fault (logged by the worker with the job id); a cancelled or
            // interrupted one is not, it is reported in the body
            int status = r.error() != null && r.error().code().equals("generation_failed") ? 500 : 200;
            json(ctx, status, VideoJson.dynamo(r, null, null));
            return;
        }
        if (format == VideoRequest.ResponseFormat.URL) {
            String url = publicBase(ctx) + "/v1/videos/" + r.id() + "/content";
            json(ctx, 200, VideoJson.dynamo(r, "url", url));
            return;
        }
        byte[] mp4;
        try {
            mp4 = Files.readAllBytes(store.video(r.id()));
        } catch (NoSuchFileException e) {
            throw ApiError.notFound("video_not_found", null, "video " + r.id() + " was deleted");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        json(ctx, 200, VideoJson.dynamo(r, "b64_json", Base64.getEncoder().encodeToString(mp4)));
    }

    /**
     * The base of URLs handed out: {@code --public-url}, else the address this request arrived on — never the
     * {@code Host} header, which the client (or a rebinding page) chooses.
     */
    private String publicBase(Context ctx) {
        URI pub = config.access().publicUrl();
        if (pub != null) {
            String s = pub.toString();
            return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
        }
        String addr = ctx.req().getLocalAddr();
        if (addr.contains(":")) addr = "[" + addr + "]";
        return "http://" + addr + ":" + ctx.req().getLocalPort();
    }

    private void list(Context ctx) {
        int limit = 20;
        String l = ctx.queryParam("limit");
        if (l != null) {
            try {
                limit = Integer.parseInt(l);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > 100) throw ApiError.invalid("limit", "limit = " + VideoRequestParser.clip(l) + ": must be an integer in 1..100");
        }
        String afterId = ctx.queryParam("after");
        Job after = null;
        if (afterId != null) {
            after = jobs.find(afterId).orElseThrow(() -> ApiError.invalid("after", "after = \"" + VideoRequestParser.clip(afterId) + "\": no video with this id"));
        }
        json(ctx, 200, VideoJson.list(jobs.list(limit, after)));
    }

    private void delete(Context ctx) {
        String id = ctx.pathParam("id");
        if (!jobs.delete(id)) throw notFound(id);
        json(ctx, 200, VideoJson.deleted(id));
    }

    private void content(Context ctx) {
        Job job = job(ctx);
        String variant = ctx.queryParam("variant");
        boolean thumbnail;
        if (variant == null || variant.equals("video")) thumbnail = false;
        else if (variant.equals("thumbnail")) thumbnail = true;
        else throw ApiError.invalid("variant", "variant = \"" + VideoRequestParser.clip(variant) + "\": must be \"video\" or \"thumbnail\"");
        JobRecord r = job.record();
        if (r.status() != JobStatus.COMPLETED) {
            throw ApiError.notFound("video_not_ready", null, "video " + r.id() + " is " + r.status().apiName() + "; its content exists once it is completed");
        }
        Path file = thumbnail ? store.thumbnail(r.id()) : store.video(r.id());
        try {
            FileResponse.send(ctx, file, thumbnail ? "image/png" : "video/mp4");
        } catch (NoSuchFileException e) {
            throw notFound(r.id()); // deleted meanwhile
        } catch (IOException e) {
            log.debug("download of {} ended early: {}", r.id(), e.getMessage()); // the client went away
        }
    }

    /** Server-sent events: every event of the job so far, then live ones, ending with its final state. */
    private void events(Context ctx) throws IOException {
        Job job = job(ctx);
        var res = ctx.res();
        res.setStatus(200);
        res.setContentType("text/event-stream");
        res.setCharacterEncoding("utf-8");
        res.setHeader("Cache-Control", "no-cache");
        res.setHeader("X-Accel-Buffering", "no"); // tell nginx-style proxies not to buffer the stream
        BlockingQueue<JobEvent> queue = new LinkedBlockingQueue<>();
        job.subscribe(queue);
        OutputStream out = res.getOutputStream();
        try {
            out.write(("retry: 2000\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            for (int n = 0; ; ) {
                JobEvent e = queue.poll(KEEP_ALIVE_S, TimeUnit.SECONDS);
                if (e == null) {
                    out.write(": keep-alive\n\n".getBytes(StandardCharsets.UTF_8));
                } else {
                    String data = VideoJson.MAPPER.writeValueAsString(VideoJson.event(e));
                    out.write(("event: " + e.type() + "\nid: " + n++ + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
                }
                out.flush();
                if (e != null && e.last()) break;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            log.debug("event stream of {} closed by the client", job.id());
        } finally {
            job.unsubscribe(queue);
        }
    }

    private Job job(Context ctx) {
        String id = ctx.pathParam("id");
        return jobs.find(id).orElseThrow(() -> notFound(id));
    }

    private static ApiError notFound(String id) {
        return ApiError.notFound("video_not_found", null, "no video with id \"" + VideoRequestParser.clip(id) + "\"");
    }

    /** The request body, read only up to {@code max} bytes. */
    private static byte[] body(Context ctx, int max) {
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] b = in.readNBytes(max + 1);
            if (b.length > max) throw ApiError.tooLarge(max);
            return b;
        } catch (IOException e) {
            throw ApiError.malformed("unreadable_body", "the request body could not be read: " + e.getMessage());
        }
    }

    private void error(Context ctx, ApiError e) {
        metrics.rejected(e.code());
        ctx.attribute(ERROR_WRITTEN, true);
        if (e.retryAfterSeconds() != null) ctx.header("Retry-After", Integer.toString(e.retryAfterSeconds()));
        json(ctx, e.status(), VideoJson.error(e));
    }

    private static void json(Context ctx, int status, JsonNode body) {
        try {
            ctx.status(status).contentType(JSON).result(VideoJson.MAPPER.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
