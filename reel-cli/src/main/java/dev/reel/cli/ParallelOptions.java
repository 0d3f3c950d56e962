package dev.reel.cli;

import dev.reel.core.Device;
import dev.reel.core.ReelException;
import dev.reel.core.dist.ParallelPlan;
import dev.reel.pipeline.GeneratorOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * {@code --devices}, {@code --num-gpus} and {@code --parallel}: which devices a generation (or, for {@code serve},
 * each worker group) runs on and how it is split over them. One JVM drives all its local devices, one thread per
 * rank; on the CPU the ranks are threads exchanging tensors in memory, so any plan can be tried without GPUs.
 */
final class ParallelOptions {
    @Option(names = "--devices", split = ",", paramLabel = "DEV",
            description = "the devices to run on, e.g. cuda:0,cuda:1 (generate: one generation split over them; serve: worker groups of --parallel's size)")
    List<String> devices;

    @Option(names = "--num-gpus", paramLabel = "N", description = "use cuda:0 … cuda:N-1 (instead of --devices)")
    Integer numGpus;

    @Option(names = "--parallel", paramLabel = "PLAN",
            description = "split one generation: cfg=2 (guidance passes on two ranks), sp=N (Ulysses sequence parallel; N divides the heads: 12 for 1.3B, 40 for 14B), or both, e.g. cfg=2,sp=4 (default with several devices: cfg=2 and sp for the rest)")
    String parallel;

    /**
     * Generator options for one generation: {@code --devices}/{@code --num-gpus} (rank 0 on the first) or
     * {@code --device}, split by {@code --parallel} (default: {@link ParallelPlan#forDevices} of the devices listed).
     */
    GeneratorOptions generatorOptions(DeviceOptions device) {
        List<Device> listed = listed();
        if (listed != null && device.device != null) throw new ReelException("give either --device or --devices/--num-gpus, not both");
        Device main = listed != null ? listed.getFirst() : device.device();
        ParallelPlan plan = plan(listed != null ? listed.size() : 1);
        GeneratorOptions o = device.generatorOptions(main);
        return plan.isParallel() || listed != null ? o.withParallel(plan, rankDevices(plan, main)) : o;
    }

    /**
     * The worker groups of {@code serve}: the devices ({@code --devices}/{@code --num-gpus}, or {@code main}) cut
     * into groups of {@code --parallel}'s size (default: one device per group, one worker each). Without a device
     * list, one group of the plan's size on {@code main} (the CPU repeated, or consecutive GPUs).
     */
    List<List<Device>> workerGroups(Device main) {
        ParallelPlan plan = groupPlan();
        List<Device> listed = listed();
        if (listed == null) return List.of(spread(main, plan.size()));
        if (listed.size() % plan.size() != 0) {
            throw new ReelException("--parallel " + plan + " makes groups of " + plan.size() + " devices; " + listed.size()
                    + " devices " + listed + " do not split into such groups");
        }
        List<List<Device>> groups = new ArrayList<>();
        for (int i = 0; i < listed.size(); i += plan.size()) groups.add(List.copyOf(listed.subList(i, i + plan.size())));
        return groups;
    }

    /** The plan of each {@code serve} worker group. */
    ParallelPlan groupPlan() { return parallel == null ? ParallelPlan.SINGLE : ParallelPlan.parse(parallel); }

    /** The plan asked for, or the sensible one for {@code n} devices when only devices were given. */
    ParallelPlan plan(int deviceCount) {
        if (parallel != null) return ParallelPlan.parse(parallel);
        return ParallelPlan.forDevices(deviceCount);
    }

    /** The devices named by {@code --devices} or {@code --num-gpus}, or null when neither was given. */
    List<Device> listed() {
        if (devices != null && numGpus != null) throw new ReelException("give either --devices or --num-gpus, not both");
        if (numGpus != null) {
            if (numGpus < 1) throw new ReelException("--num-gpus " + numGpus + ": must be at least 1");
            List<Device> l = new ArrayList<>();
            for (int i = 0; i < numGpus; i++) l.add(Device.cuda(i));
            return l;
        }
        if (devices == null || devices.isEmpty()) return null;
        List<Device> l = new ArrayList<>();
        for (String d : devices) l.add(Device.parse(d.strip()));
        return l;
    }

    /**
     * The rank devices of one generation: the listed ones (as many as the plan has ranks), or, from the single
     * {@code main} device, {@code plan.size()} copies of the CPU or consecutive GPUs from {@code main}'s index.
     */
    List<Device> rankDevices(ParallelPlan plan, Device main) {
        List<Device> listed = listed();
        if (listed != null) {
            if (listed.size() != plan.size()) {
                throw new ReelException("--parallel " + plan + " runs " + plan.size() + " ranks, but " + listed.size() + " devices were given " + listed);
            }
            return listed;
        }
        return spread(main, plan.size());
    }

    /** {@code n} devices starting at {@code main}: the CPU repeated, or GPUs {@code main.index() …}. */
    static List<Device> spread(Device main, int n) {
        if (main.type() == Device.Type.CPU) return Collections.nCopies(n, Device.CPU);
        List<Device> l = new ArrayList<>();
        for (int i = 0; i < n; i++) l.add(Device.cuda(main.index() + i));
        return l;
    }
}
