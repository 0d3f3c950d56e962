package dev.reel.server.jobs;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.reel.core.FileOps;
import dev.reel.core.ReelException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Jobs on disk: {@code <data-dir>/jobs/<id>/job.json} (the {@link JobRecord}), {@code video.mp4} and
 * {@code thumbnail.png}. Every path is built from an id that matched {@link #isValidId} first, so no request
 * can name a file outside the store. {@code job.json} is replaced atomically: a crash leaves the old or the new
 * record, never half of one.
 */
public final class JobStore {
    private static final Logger log = LoggerFactory.getLogger(JobStore.class);
    private static final Pattern ID = Pattern.compile("video_[0-9a-f]{32}");
    private static final String RECORD = "job.json";

    private final Path root;
    private final ObjectMapper json = new ObjectMapper().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** Opens (creating if needed) the store under {@code dataDir}. */
    public JobStore(Path dataDir) {
        this.root = dataDir.toAbsolutePath().normalize().resolve("jobs");
        try {
            Files.createDirectories(root);
        } catch (IOException e) {
            throw new ReelException("data dir: cannot create " + root + ": " + e.getMessage(), e);
        }
        if (!Files.isWritable(root)) throw new ReelException("data dir: " + root + " is not writable");
    }

    /** A new job id: {@code video_} + 32 random hex digits (a UUID's), the shape {@link #isValidId} accepts. */
    public static String newId() {
        return "video_" + java.util.UUID.randomUUID().toString().replace("-", "").toLowerCase(java.util.Locale.ROOT);
    }

    /** Whether {@code id} has the shape of a job id ({@code video_} + 32 lowercase hex digits). */
    public static boolean isValidId(String id) { return id != null && ID.matcher(id).matches(); }

    /** The job's folder; {@code id} must be valid. */
    Path dir(String id) {
        if (!isValidId(id)) throw new IllegalArgumentException("not a job id: " + id);
        return root.resolve(id);
    }

    /** The job's MP4. */
    public Path video(String id) { return dir(id).resolve("video.mp4"); }

    /** The PNG of the job's first frame. */
    public Path thumbnail(String id) { return dir(id).resolve("thumbnail.png"); }

    /** Writes {@code r} as the job's record (atomically). */
    void save(JobRecord r) {
        Path d = dir(r.id());
        try {
            Files.createDirectories(d);
            Path tmp = d.resolve(RECORD + ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(tmp.toFile(), r);
            FileOps.moveIntoPlace(tmp, d.resolve(RECORD));
        } catch (IOException e) {
            throw new UncheckedIOException("job store: cannot write " + d.resolve(RECORD), e);
        }
    }

    /** Removes the job's record first (so a crash mid-way cannot resurrect it), then its files. */
    void delete(String id) {
        Path d = dir(id);
        try {
            Files.deleteIfExists(d.resolve(RECORD));
            FileOps.deleteTree(d);
        } catch (IOException e) {
            throw new UncheckedIOException("job store: cannot delete " + d, e);
        }
    }

    /**
     * Every stored record. Folders without a readable record (a job deleted mid-way, a crash during the first
     * write) are removed; unreadable records are logged and left alone for a person to look at.
     */
    List<JobRecord> loadAll() {
        List<JobRecord> out = new ArrayList<>();
        try (Stream<Path> dirs = Files.list(root)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (!isValidId(name) || !Files.isDirectory(d)) {
                    log.warn("job store: ignoring {}, not a job folder", d);
                    continue;
                }
                Path rec = d.resolve(RECORD);
                if (!Files.exists(rec)) {
                    log.info("job store: removing {}, it has no {}", d, RECORD);
                    FileOps.deleteTree(d);
                    continue;
                }
                try {
                    JobRecord r = json.readValue(rec.toFile(), JobRecord.class);
                    // any valid JSON parses: `null`, `[]` or `{}` must be skipped like a broken file
                    if (r == null || !name.equals(r.id()) || r.status() == null || r.spec() == null) {
                        throw new IOException("record does not describe job " + name);
                    }
                    out.add(r);
                } catch (IOException | RuntimeException e) {
                    log.warn("job store: skipping {}: {}", rec, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("job store: cannot list " + root, e);
        }
        return out;
    }
}
