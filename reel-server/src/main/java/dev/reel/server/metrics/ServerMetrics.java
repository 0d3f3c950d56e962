package dev.reel.server.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Supplier;

/**
 * The service's Prometheus metrics (Micrometer), served at {@code /metrics}:
 * {@code reel_queue_depth}, {@code reel_jobs{state}}, {@code reel_step_seconds}, {@code reel_stage_seconds{stage}},
 * {@code reel_generation_seconds}, {@code reel_jobs_submitted_total}, {@code reel_jobs_finished_total{status}},
 * {@code reel_requests_rejected_total{code}}.
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Timer step;
    private final Timer generation;
    private final Counter submitted;
    private final ConcurrentMap<String, Timer> stages = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> finished = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();

    public ServerMetrics() {
        step = Timer.builder("reel.step").description("Time of one denoising step").publishPercentileHistogram().register(registry);
        generation = Timer.builder("reel.generation").description("Time of one whole generation").publishPercentileHistogram().register(registry);
        submitted = Counter.builder("reel.jobs.submitted").description("Jobs accepted").register(registry);
    }

    /** Registers the gauge of jobs waiting for a worker. */
    public void queueDepth(Supplier<Number> depth) {
        Gauge.builder("reel.queue.depth", depth).description("Jobs waiting for a worker").register(registry);
    }

    /** Registers the gauge of known jobs in {@code state}. */
    /** Remote workers with a live heartbeat (queue mode). */
    public void workers(Supplier<Number> count) {
        Gauge.builder("reel.workers", count).description("Workers with a live heartbeat").register(registry);
    }

    /** Jobs taken by a worker and not yet acknowledged (queue mode). */
    public void pending(Supplier<Number> count) {
        Gauge.builder("reel.queue.pending", count).description("Jobs taken by a worker and not finished").register(registry);
    }

    public void jobs(String state, Supplier<Number> count) {
        Gauge.builder("reel.jobs", count).tag("state", state).description("Jobs by state").register(registry);
    }

    public void step(Duration d) { step.record(d); }

    public void stage(String name, Duration d) {
        stages.computeIfAbsent(name, n -> Timer.builder("reel.stage").tag("stage", n)
                .description("Time of one pipeline stage").register(registry)).record(d);
    }

    public void generation(Duration d) { generation.record(d); }

    public void submitted() { submitted.increment(); }

    public void finished(String status) {
        finished.computeIfAbsent(status, s -> Counter.builder("reel.jobs.finished").tag("status", s)
                .description("Jobs that ended, by final status").register(registry)).increment();
    }

    /** A request answered with an error, by its {@code code}. */
    public void rejected(String code) {
        rejected.computeIfAbsent(code, c -> Counter.builder("reel.requests.rejected").tag("code", c)
                .description("Requests answered with an error").register(registry)).increment();
    }

    /** The Prometheus text exposition. */
    public String scrape() { return registry.scrape(); }

    /** The content type of {@link #scrape()}. */
    public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
}
