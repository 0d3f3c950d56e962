package dev.reel.cli;

import dev.reel.models.hub.HubOptions;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --revision} and {@code --offline} for Hugging Face model ids; the rest of {@link HubOptions} comes from
 * the environment ({@code HF_HUB_CACHE}, {@code HF_HOME}, {@code HF_ENDPOINT}, {@code HF_TOKEN},
 * {@code HF_HUB_OFFLINE}), read here at the edge.
 */
final class HubFlags {
    @Option(names = "--revision", paramLabel = "REV", description = "with a Hugging Face id: the branch, tag or commit (default: main)")
    String revision;

    @Option(names = "--offline", description = "with a Hugging Face id: use the local cache only (as HF_HUB_OFFLINE=1)")
    boolean offline;

    HubOptions options() {
        HubOptions o = HubOptions.fromEnvironment(System.getenv(), Path.of(System.getProperty("user.home")));
        if (offline) o = o.withOffline(true);
        return revision != null ? o.withRevision(revision) : o;
    }
}
