package dev.reel.models.hub;

import dev.reel.core.ReelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Hugging Face hub cache layout, as huggingface_hub writes it: {@code models--ORG--NAME/} holding
 * {@code blobs/<etag>} (the files' contents), {@code snapshots/<commit>/<path>} (symlinks to the blobs) and
 * {@code refs/<revision>} (a file holding the commit a branch or tag pointed at when last fetched).
 */
public record HubCache(Path root) {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern COMMIT = Pattern.compile("[0-9a-f]{40}");

    /** Whether {@code s} has the shape of a model id, {@code ORG/NAME}. */
    public static boolean isModelId(String s) { return ID.matcher(s).matches() && !s.contains(".."); }

    /** Whether {@code revision} is a full commit hash (resolved without {@code refs/}). */
    public static boolean isCommit(String revision) { return COMMIT.matcher(revision).matches(); }

    /** {@code models--ORG--NAME}. */
    public Path repo(String id) { return root.resolve("models--" + id.replace("/", "--")); }

    public Path blobs(String id) { return repo(id).resolve("blobs"); }

    public Path snapshot(String id, String commit) { return repo(id).resolve("snapshots").resolve(commit); }

    /** The commit {@code revision} names: itself if it is one, else what {@code refs/<revision>} holds. */
    public Optional<String> commit(String id, String revision) {
        if (isCommit(revision)) return Optional.of(revision);
        Path ref = repo(id).resolve("refs").resolve(revision);
        if (!Files.isRegularFile(ref)) return Optional.empty();
        try {
            String c = Files.readString(ref).strip();
            return isCommit(c) ? Optional.of(c) : Optional.empty();
        } catch (IOException e) {
            throw new ReelException(ref + ": cannot read the cached revision (" + e.getMessage() + ")");
        }
    }

    /** The cached snapshot folder of {@code revision} holding a pipeline ({@code model_index.json}), if there is one. */
    public Optional<Path> pipeline(String id, String revision) {
        return commit(id, revision).map(c -> snapshot(id, c)).filter(p -> Files.isRegularFile(p.resolve("model_index.json")));
    }

    /** Records that {@code revision} (a branch or tag) points at {@code commit}. */
    public void writeRef(String id, String revision, String commit) throws IOException {
        if (isCommit(revision)) return;
        Path ref = repo(id).resolve("refs").resolve(revision);
        Files.createDirectories(ref.getParent());
        Files.writeString(ref, commit);
    }

    /**
     * Links {@code snapshots/<commit>/<path>} to {@code blobs/<etag>} by a relative symlink as the hub's cache
     * does (a copy where the file system has no symlinks).
     */
    public void link(String id, String commit, String path, String etag) throws IOException {
        Path target = snapshot(id, commit).resolve(path);
        Files.createDirectories(target.getParent());
        Path blob = blobs(id).resolve(etag);
        Files.deleteIfExists(target);
        try {
            Files.createSymbolicLink(target, target.getParent().relativize(blob));
        } catch (UnsupportedOperationException | IOException e) {
            Files.copy(blob, target);
        }
    }
}
