package dev.reel.core;

/**
 * Where a tensor's storage lives: the host ("cpu") or one accelerator ("cuda:N").
 *
 * @param type  the kind of device
 * @param index the device ordinal (0 for the CPU)
 */
public record Device(Type type, int index) {
    /** Device kinds Reel knows. */
    public enum Type { CPU, CUDA }

    /** The host. */
    public static final Device CPU = new Device(Type.CPU, 0);

    /** The N-th CUDA device. */
    public static Device cuda(int index) { return new Device(Type.CUDA, index); }

    /** Parses "cpu", "cuda" or "cuda:N". */
    public static Device parse(String s) {
        String v = s.trim().toLowerCase(java.util.Locale.ROOT);
        if (v.equals("cpu")) return CPU;
        if (v.equals("cuda")) return cuda(0);
        if (v.startsWith("cuda:")) {
            try {
                int n = Integer.parseInt(v.substring(5));
                if (n >= 0) return cuda(n);
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new ReelException("device '" + s + "' is not valid; allowed: cpu, cuda, cuda:N");
    }

    @Override public String toString() { return type == Type.CPU ? "cpu" : "cuda:" + index; }
}
