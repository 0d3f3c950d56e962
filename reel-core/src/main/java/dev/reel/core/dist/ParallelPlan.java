package dev.reel.core.dist;

import dev.reel.core.ReelException;
import java.util.Locale;

/**
 * How one generation is split over ranks (a system parameter, fixed at start-up): {@code cfg} ranks share the
 * classifier-free-guidance passes (1 or 2) and each of them is a group of {@code sp} ranks that split the latent
 * tokens (Ulysses sequence parallel). Rank {@code r} is CFG rank {@code r / sp} and SP rank {@code r % sp}, so
 * the SP groups are neighbouring devices (the heaviest traffic stays closest).
 *
 * @param cfg ranks for the guidance passes: 1 (both passes on every rank) or 2 (conditional on one, unconditional
 *            on the other)
 * @param sp  sequence-parallel degree; must divide the transformer's attention heads
 */
public record ParallelPlan(int cfg, int sp) {
    /** One rank: no parallelism. */
    public static final ParallelPlan SINGLE = new ParallelPlan(1, 1);

    public ParallelPlan {
        if (cfg != 1 && cfg != 2) throw new ReelException("--parallel cfg=" + cfg + ": must be 1 or 2 (the conditional and unconditional passes)");
        if (sp < 1) throw new ReelException("--parallel sp=" + sp + ": must be at least 1");
    }

    /** Ranks (devices) the plan needs. */
    public int size() { return cfg * sp; }

    /** True when more than one rank runs. */
    public boolean isParallel() { return size() > 1; }

    /** The CFG group of {@code rank} (0 or 1). */
    public int cfgRank(int rank) { return rank / sp; }

    /** The rank within its SP group. */
    public int spRank(int rank) { return rank % sp; }

    /**
     * Parses {@code cfg=2,sp=4} (either part optional, any order; {@code "none"} or {@code ""} is {@link #SINGLE}).
     *
     * @throws ReelException naming the part that is wrong
     */
    public static ParallelPlan parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty() || s.equals("none")) return SINGLE;
        int cfg = 1, sp = 1;
        for (String part : s.split(",")) {
            String[] kv = part.strip().split("=", 2);
            if (kv.length != 2) throw new ReelException("--parallel '" + text + "': '" + part + "' is not name=degree (use e.g. cfg=2,sp=4)");
            int v;
            try {
                v = Integer.parseInt(kv[1].strip());
            } catch (NumberFormatException e) {
                throw new ReelException("--parallel '" + text + "': degree '" + kv[1] + "' of " + kv[0] + " is not a whole number");
            }
            switch (kv[0].strip()) {
                case "cfg" -> cfg = v;
                case "sp", "ulysses" -> sp = v;
                default -> throw new ReelException("--parallel '" + text + "': unknown part '" + kv[0] + "' (known: cfg, sp)");
            }
        }
        return new ParallelPlan(cfg, sp);
    }

    /**
     * The plan for {@code n} devices: CFG parallel first (two ranks, one all-gather of the prediction per step:
     * nearly free), then sequence parallel over the rest; an odd count is all sequence parallel. Assumes guidance is
     * on (Wan's default); {@code n = 1} is {@link #SINGLE}.
     */
    public static ParallelPlan forDevices(int n) {
        if (n < 1) throw new ReelException("--num-gpus " + n + ": must be at least 1");
        if (n % 2 == 0) return new ParallelPlan(2, n / 2);
        return new ParallelPlan(1, n);
    }

    /** Checks that {@code sp} divides {@code heads}, naming the allowed degrees otherwise. */
    public void checkHeads(int heads) {
        if (heads % sp == 0) return;
        StringBuilder ok = new StringBuilder();
        for (int d = 1; d <= heads; d++) if (heads % d == 0) ok.append(ok.isEmpty() ? "" : ", ").append(d);
        throw new ReelException("--parallel sp=" + sp + " does not divide the transformer's " + heads
                + " attention heads (Ulysses gives each rank heads/sp heads); use one of " + ok);
    }

    @Override public String toString() { return "cfg=" + cfg + ",sp=" + sp; }
}
