package dev.reel.models.schedulers;

import dev.reel.models.nn.ConfigException;
import dev.reel.models.nn.ConfigJson;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds the scheduler a Diffusers {@code scheduler/} folder describes. */
public final class Schedulers {
    private Schedulers() {}

    /** The config file Diffusers writes in a scheduler folder. */
    public static final String CONFIG_FILE = "scheduler_config.json";

    /**
     * Reads {@code scheduler_config.json} (given a folder, or the file itself) and builds the scheduler its
     * {@code _class_name} names. {@code flowShift} (may be null) overrides the config's shift ({@code flow_shift}
     * for UniPC, {@code shift} for Euler), as Wan's pipelines do per resolution. Unknown classes and unsupported
     * options throw {@link ConfigException}.
     */
    public static NoiseScheduler fromPretrained(Path path, Double flowShift) {
        Path file = Files.isDirectory(path) ? path.resolve(CONFIG_FILE) : path;
        ConfigJson c = ConfigJson.read(file);
        return fromConfig(c.getString("_class_name"), c, flowShift);
    }

    /** Builds a scheduler of class {@code className} (Diffusers' name) from its config. */
    public static NoiseScheduler fromConfig(String className, ConfigJson c, Double flowShift) {
        return switch (className) {
            case "UniPCMultistepScheduler" -> new UniPCMultistepScheduler(UniPCMultistepScheduler.Config.from(c, flowShift));
            case "FlowMatchEulerDiscreteScheduler" -> new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteScheduler.Config.from(c, flowShift));
            default -> throw new ConfigException(c.source() + ": scheduler class \"" + className + "\" is not supported (UniPCMultistepScheduler, FlowMatchEulerDiscreteScheduler)");
        };
    }
}
