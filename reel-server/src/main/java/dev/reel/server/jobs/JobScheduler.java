package dev.reel.server.jobs;

import dev.reel.core.Device;
import dev.reel.server.engine.VideoEngine;
import dev.reel.server.engine.VideoModel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands queued jobs to workers: one worker per configured device, each loading its own engine and then
 * running one job at a time, taking the next from the {@link TaskPool} as soon as it is free.
 */
final class JobScheduler {
    private static final Logger log = LoggerFactory.getLogger(JobScheduler.class);

    private final TaskPool pool;
    private final VideoModel model;
    private final List<Device> devices;
    private final BiConsumer<Job, VideoEngine> runner;
    private final List<Thread> workers = new ArrayList<>();
    private final CountDownLatch loaded;
    private volatile String loadError;
    private volatile String workerError;

    JobScheduler(TaskPool pool, VideoModel model, List<Device> devices, BiConsumer<Job, VideoEngine> runner) {
        if (devices.isEmpty()) throw new IllegalArgumentException("at least one device is needed");
        this.pool = pool;
        this.model = model;
        this.devices = List.copyOf(devices);
        this.runner = runner;
        this.loaded = new CountDownLatch(devices.size());
    }

    /** Starts the workers; each loads the model onto its device first. */
    void start() {
        for (Device d : devices) {
            // platform threads: a worker computes for minutes, it gains nothing from being virtual
            Thread t = Thread.ofPlatform().name("reel-worker-" + d).unstarted(() -> work(d));
            workers.add(t);
            t.start();
        }
    }

    private void work(Device device) {
        VideoEngine engine;
        try {
            long t0 = System.nanoTime();
            engine = model.load(device);
            log.info("model {} loaded on {} in {} ms", model.id(), device, (System.nanoTime() - t0) / 1_000_000);
        } catch (RuntimeException | Error e) {
            loadError = "loading " + model.id() + " on " + device + " failed: " + e.getMessage();
            if (e instanceof dev.reel.core.ReelException) log.error(loadError); // a user-facing reason, not a bug
            else log.error(loadError, e);
            return;
        } finally {
            loaded.countDown();
        }
        try (engine) {
            for (Job job; (job = pool.take()) != null; ) {
                try {
                    runner.accept(job, engine);
                } catch (RuntimeException e) { // the runner fails its job itself; this is a last line of defence
                    log.error("worker {}: job {} could not be handled", device, job.id(), e);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            // the engine itself broke (closing it, or a VM error): this worker is gone, and /health must say so
            workerError = "the worker on " + device + " stopped: " + e;
            log.error(workerError, e);
        }
    }

    /** The devices the workers run on, by name. */
    List<String> deviceNames() { return devices.stream().map(Device::toString).toList(); }

    /** Whether every worker has its engine and none has stopped for good. */
    boolean ready() { return loaded.getCount() == 0 && loadError == null && workerError == null; }

    /** Why loading failed or a worker stopped for good, or null. */
    String loadError() { return loadError != null ? loadError : workerError; }

    /** Waits until every engine is loaded or one failed; true when ready. */
    boolean awaitLoaded(Duration timeout) throws InterruptedException {
        return loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS) && loadError == null;
    }

    /** Waits for the workers to end (after the pool was closed); true if all ended in time. */
    boolean awaitStopped(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (Thread t : workers) {
            long left = deadline - System.nanoTime();
            if (left <= 0 || !t.join(Duration.ofNanos(left))) return false;
        }
        return true;
    }
}
