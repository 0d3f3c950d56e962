package dev.reel.core.dist;

import dev.reel.core.Device;
import dev.reel.core.ReelException;
import java.util.ArrayList;
import java.util.List;

/**
 * What one rank of a {@link ParallelPlan} holds: its device and its three groups — {@code world} (every rank:
 * the text embeddings' broadcast, agreeing on cancellation), {@code cfg} (the ranks that share its SP position
 * across the guidance passes) and {@code sp} (the ranks that split its tokens).
 */
public record RankContext(ParallelPlan plan, int rank, Device device, Communicator world, Communicator cfg, Communicator sp) {

    /** A single, non-parallel rank on {@code device}: groups of one (in-process, so nothing is initialised). */
    public static RankContext single(Device device) {
        return new RankContext(ParallelPlan.SINGLE, 0, device, null, null, null);
    }

    /** True for rank 0, which runs the stages that happen once (text encoding, decoding, output). */
    public boolean isLeader() { return rank == 0; }

    /**
     * The contexts of every rank of {@code plan} over {@code devices} (one per rank; on the CPU the same device may
     * repeat). Groups are made with {@link Communicators#group}.
     */
    public static List<RankContext> create(ParallelPlan plan, List<Device> devices) {
        int n = plan.size();
        if (devices.size() != n) {
            throw new ReelException("--parallel " + plan + " needs " + n + " devices, got " + devices.size() + " " + devices);
        }
        Communicator[] world = Communicators.group(devices).toArray(Communicator[]::new);
        Communicator[] cfg = new Communicator[n], sp = new Communicator[n];
        for (int s = 0; s < plan.sp(); s++) {          // CFG groups: ranks {s, sp + s}
            List<Device> ds = new ArrayList<>();
            for (int c = 0; c < plan.cfg(); c++) ds.add(devices.get(c * plan.sp() + s));
            List<Communicator> g = Communicators.group(ds);
            for (int c = 0; c < plan.cfg(); c++) cfg[c * plan.sp() + s] = g.get(c);
        }
        for (int c = 0; c < plan.cfg(); c++) {         // SP groups: ranks {c·sp … c·sp + sp − 1}
            List<Communicator> g = Communicators.group(devices.subList(c * plan.sp(), (c + 1) * plan.sp()));
            for (int s = 0; s < plan.sp(); s++) sp[c * plan.sp() + s] = g.get(s);
        }
        List<RankContext> out = new ArrayList<>();
        for (int r = 0; r < n; r++) out.add(new RankContext(plan, r, devices.get(r), world[r], cfg[r], sp[r]));
        return out;
    }

    /** Aborts this rank's groups (see {@link Communicator#abort}). */
    public void abort() {
        for (Communicator c : groups()) c.abort();
    }

    /** Closes this rank's ends of its groups. */
    public void close() {
        for (Communicator c : groups()) c.close();
    }

    private List<Communicator> groups() {
        List<Communicator> l = new ArrayList<>();
        for (Communicator c : new Communicator[] {world, cfg, sp}) if (c != null) l.add(c);
        return l;
    }
}
