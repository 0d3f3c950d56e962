package dev.reel.models.hub;

import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where and how Hugging Face model ids are resolved, read once at the edge (the CLI) from the environment and
 * flags, with huggingface_hub's names and defaults.
 *
 * @param cacheDir  the hub cache ({@code HF_HUB_CACHE}, else {@code HF_HOME/hub}, else {@code ~/.cache/huggingface/hub})
 * @param endpoint  the hub ({@code HF_ENDPOINT}, else {@code https://huggingface.co})
 * @param token     access token for gated or private models ({@code HF_TOKEN}); null for none
 * @param offline   use the cache only, never the network ({@code HF_HUB_OFFLINE=1} or {@code --offline})
 * @param revision  branch, tag or commit to resolve ({@code main} by default)
 */
public record HubOptions(Path cacheDir, URI endpoint, String token, boolean offline, String revision) {
    public static final URI DEFAULT_ENDPOINT = URI.create("https://huggingface.co");
    public static final String DEFAULT_REVISION = "main";

    /** The options an environment ({@code System.getenv()}) and the user's home give, on revision {@code main}. */
    public static HubOptions fromEnvironment(Map<String, String> env, Path home) {
        Path cache = env.get("HF_HUB_CACHE") != null ? Path.of(env.get("HF_HUB_CACHE"))
                : env.get("HF_HOME") != null ? Path.of(env.get("HF_HOME"), "hub")
                : home.resolve(".cache/huggingface/hub");
        String ep = env.get("HF_ENDPOINT");
        URI endpoint = ep == null || ep.isBlank() ? DEFAULT_ENDPOINT : URI.create(ep.replaceAll("/+$", ""));
        String token = env.get("HF_TOKEN");
        return new HubOptions(cache, endpoint, token == null || token.isBlank() ? null : token.strip(), truthy(env.get("HF_HUB_OFFLINE")), DEFAULT_REVISION);
    }

    public HubOptions withOffline(boolean v) { return new HubOptions(cacheDir, endpoint, token, v, revision); }

    public HubOptions withRevision(String r) { return new HubOptions(cacheDir, endpoint, token, offline, r); }

    private static boolean truthy(String v) {
        return v != null && switch (v.strip().toLowerCase(Locale.ROOT)) { case "1", "true", "yes", "on" -> true; default -> false; };
    }
}
