package dev.reel.models.loader;

import dev.reel.core.DType;
import dev.reel.core.safetensors.Checkpoint;
import dev.reel.core.safetensors.TensorInfo;
import dev.reel.models.nn.Module;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@code reel info} shows about one component, read from configs and safetensors headers only (no weights
 * are loaded, so it is instant even for 14B checkpoints).
 *
 * @param name         the slot ({@code transformer})
 * @param className    the checkpoint's class
 * @param javaClass    Reel's implementation
 * @param parameters   parameters of the module built from the config; -1 for non-modules
 * @param storedDtypes parameters stored per dtype in the checkpoint (empty when the folder has no weights)
 * @param detail       a short note (scheduler class and shift, tokenizer file, …)
 */
public record ComponentInfo(String name, String className, String javaClass, long parameters, Map<DType, Long> storedDtypes, String detail) {

    /** Describes every component of the pipeline folder {@code dir}. */
    public static List<ComponentInfo> describe(Path dir) {
        ModelIndex index = ModelIndex.read(dir);
        ModelRegistry registry = ModelRegistry.standard();
        List<ComponentInfo> out = new ArrayList<>();
        for (ModelIndex.Component c : index.components()) {
            ModelRegistry.Entry e = registry.resolve(index, c);
            Path folder = index.folder(c);
            long params = -1;
            String detail = "";
            if (e.skeleton() != null && Files.isDirectory(folder)) {
                Module m = e.skeleton().build(folder);
                params = m.parameterCount();
            }
            Map<DType, Long> stored = storedDtypes(folder);
            if (e.kind() == ModelRegistry.Kind.SCHEDULER && Files.isDirectory(folder)) {
                SchedulerFolder s = SchedulerFolder.open(folder);
                detail = s.className();
            } else if (e.kind() == ModelRegistry.Kind.TOKENIZER) {
                detail = Files.isRegularFile(folder.resolve("tokenizer.json")) ? "tokenizer.json" : "tokenizer.json missing";
            } else if (e.skeleton() != null) {
                detail = stored.isEmpty() ? "no weights in folder" : "";
            }
            if (!Files.isDirectory(folder)) detail = "folder missing";
            out.add(new ComponentInfo(c.name(), c.className(), e.type().getName(), params, stored, detail));
        }
        return out;
    }

    private static Map<DType, Long> storedDtypes(Path folder) {
        Map<DType, Long> out = new TreeMap<>();
        if (!Files.isDirectory(folder) || !hasSafetensors(folder)) return out;
        try (Checkpoint ck = Checkpoint.open(folder)) {
            for (String k : ck.keys()) {
                TensorInfo t = ck.info(k);
                out.merge(t.dtype(), t.numel(), Long::sum);
            }
        }
        return out;
    }

    private static boolean hasSafetensors(Path folder) {
        try (Stream<Path> s = Files.list(folder)) {
            return s.anyMatch(p -> p.getFileName().toString().endsWith(".safetensors") || p.getFileName().toString().endsWith(".safetensors.index.json"));
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
