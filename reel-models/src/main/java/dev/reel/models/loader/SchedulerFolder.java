package dev.reel.models.loader;

import dev.reel.models.nn.ConfigJson;
import dev.reel.models.schedulers.NoiseScheduler;
import dev.reel.models.schedulers.Schedulers;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A pipeline's {@code scheduler/} component. Schedulers keep per-run state, so each generation makes a fresh
 * one with {@link #create}.
 *
 * @param configFile the {@code scheduler_config.json}
 * @param className  its {@code _class_name}
 */
public record SchedulerFolder(Path configFile, String className) {

    /** Reads {@code folder/scheduler_config.json}. */
    public static SchedulerFolder open(Path folder) {
        Path f = Files.isDirectory(folder) ? folder.resolve(Schedulers.CONFIG_FILE) : folder;
        return new SchedulerFolder(f, ConfigJson.read(f).getString("_class_name"));
    }

    /**
     * A new scheduler built from the config.
     *
     * @param classOverride a Diffusers scheduler class to use instead of the config's (null keeps it)
     * @param flowShift     overrides the config's flow shift (null keeps it, also across a class override:
     *                      UniPC's {@code flow_shift} and Euler's {@code shift} are the same quantity)
     */
    public NoiseScheduler create(String classOverride, Double flowShift) {
        ConfigJson c = ConfigJson.read(configFile);
        String cls = classOverride != null ? classOverride : className;
        Double shift = flowShift;
        if (shift == null && !cls.equals(className)) {
            if (c.has("flow_shift")) shift = c.getDouble("flow_shift");
            else if (c.has("shift")) shift = c.getDouble("shift");
        }
        return Schedulers.fromConfig(cls, c, shift);
    }
}
