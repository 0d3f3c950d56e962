package dev.reel.server;

import dev.reel.server.api.VideoApi;
import dev.reel.server.engine.VideoModel;
import dev.reel.server.jobs.JobService;
import dev.reel.server.jobs.Jobs;
import dev.reel.server.jobs.RedisJobs;
import dev.reel.server.jobs.JobStore;
import dev.reel.server.metrics.ServerMetrics;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.SizeUnit;
import java.net.URI;
import java.time.Duration;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Server;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code reel serve}: the HTTP service (Javalin on Jetty 12, one virtual thread per request) over the job
 * runtime. {@link #start} returns as soon as the port is open; the model loads in the background and
 * {@code /health} answers 503 until it is ready.
 */
public final class ReelServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ReelServer.class);

    private final ServerConfig config;
    private final Jobs jobs;
    private final Javalin app;
    private final HeaderDeadline headerDeadline;
    private Server jetty;
    private boolean closed;

    private ReelServer(ServerConfig config, VideoModel model) {
        this.config = config;
        ServerMetrics metrics = new ServerMetrics();
        JobStore store = new JobStore(config.dataDir());
        this.jobs = config.queue() != null
                ? new RedisJobs(config.queue(), store, model.id(), config.queueCapacity(), metrics)
                : new JobService(store, model, config.workerGroups(), config.queueCapacity(), config.retention(), metrics);
        VideoApi api = new VideoApi(jobs, store, model, config, metrics);
        this.headerDeadline = new HeaderDeadline(config.access().headerTimeout());
        this.app = Javalin.create(c -> {
            c.concurrency.useVirtualThreads = true;
            c.startup.showJavalinBanner = false;
            c.startup.showOldJavalinVersionWarning = false;
            c.http.compressionStrategy = CompressionStrategy.NONE; // videos do not compress; event streams must not buffer
            c.http.maxRequestSize = config.maxBodyBytes();
            // multipart bodies (POST /v1/videos) are parsed by Jetty: in memory, within the body limit, and with at
            // most as many parts as a form may have fields
            c.jetty.multipartConfig.maxTotalRequestSize(config.maxBodyBytes(), SizeUnit.BYTES);
            c.jetty.multipartConfig.maxInMemoryFileSize(config.maxBodyBytes(), SizeUnit.BYTES);
            c.jetty.modifyServletContextHandler(h -> h.setMaxFormKeys(VideoApi.MAX_FORM_FIELDS));
            c.jetty.host = config.host();
            c.jetty.port = config.port();
            // let odd paths (encoded slashes, dot segments) reach the router, which answers them with a JSON 404,
            // instead of Jetty's HTML 400; ids are validated before any file is touched
            c.jetty.modifyHttpConfiguration(h -> h.setUriCompliance(UriCompliance.LEGACY));
            c.jetty.modifyServer(s -> {
                s.setErrorHandler(new JsonErrorHandler());
                jetty = s;
            });
            c.routes.before(headerDeadline::handling);
            c.routes.after(headerDeadline::answered);
            api.register(c.routes);
        });
    }

    /** Starts the service: opens the port, recovers stored jobs and begins loading the model on each device. */
    public static ReelServer start(ServerConfig config, VideoModel model) {
        ReelServer s = new ReelServer(config, model);
        try {
            s.app.start();
            s.headerDeadline.install(s.jetty);
        } catch (RuntimeException e) {
            s.jobs.shutdown(Duration.ZERO);
            throw e;
        }
        log.info("reel serve: listening on {}, model {}, data in {}", s.baseUri(), model.id(), config.dataDir());
        return s;
    }

    /** The port actually bound (useful with port 0). */
    public int port() { return app.port(); }

    /** {@code http://host:port}. */
    public URI baseUri() { return URI.create("http://" + hostForUri(config.host()) + ":" + port()); }

    private static String hostForUri(String host) { return host.contains(":") ? "[" + host + "]" : host; }

    /** The job runtime. */
    public Jobs jobs() { return jobs; }

    /** Waits until the model is loaded on every device; false if loading failed or took longer. */
    public boolean awaitReady(Duration timeout) throws InterruptedException { return jobs.awaitReady(timeout); }

    /**
     * Graceful stop: new submissions get 503, running jobs get {@link ServerConfig#shutdownGrace} to finish
     * (then fail as interrupted), queued jobs stay on disk for the next start, then the port closes.
     */
    @Override public synchronized void close() {
        if (closed) return;
        closed = true;
        log.info("reel serve: stopping");
        jobs.shutdown(config.shutdownGrace());
        headerDeadline.stop();
        app.stop();
        log.info("reel serve: stopped");
    }
}
