package dev.reel.core;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * Where a run's device time goes, op by op: while {@link #start() started} on a thread, every {@link Backend} call
 * that thread makes through {@link Tensor#backend()} (the model's forward, autograd's backward, the optimizer) is
 * timed with the backend's {@link DeviceTimer} and summed per op name and dtype. Each timed op waits for the device,
 * so an op's time is its kernels plus the launch work the device waited for: the table says which ops a step spends
 * its time in, and the sum beside the wall clock says how much of the step is host overhead. Profiling slows the run
 * (one wait per op); it is a diagnostic, not a benchmark.
 *
 * <p>Calls that a backend makes to itself (an op built from others) count toward the outer op.
 */
public final class OpProfile implements AutoCloseable {
    /** Backend methods that queue no device work, passed through untimed. */
    private static final Set<String> UNTIMED = Set.of("device", "deviceName", "memoryStats", "resetPeakMemory", "timer",
            "synchronize", "toString", "hashCode", "equals");

    private final Map<String, long[]> byOp = new LinkedHashMap<>();   // name → {calls, nanoseconds, bytes}
    private final Map<Backend, Backend> proxies = new IdentityHashMap<>();
    private final Map<Backend, DeviceTimer> timers = new IdentityHashMap<>();
    private UnaryOperator<Backend> previous;
    private boolean started;
    private long wallStart, wallNanos;
    private int depth;

    /** Starts timing this thread's backend calls (again after {@link #stop()}: the sums go on). */
    public OpProfile start() {
        if (started) return this;
        UnaryOperator<Backend> before = BackendInterceptor.install(null);
        previous = before;
        BackendInterceptor.install(b -> proxy(before == null ? b : before.apply(b)));
        started = true;
        wallStart = System.nanoTime();
        return this;
    }

    /** Stops timing and restores the thread's previous interceptor. */
    public OpProfile stop() {
        if (!started) return this;
        wallNanos += System.nanoTime() - wallStart;
        BackendInterceptor.install(previous);
        started = false;
        return this;
    }

    /** The milliseconds the profiled spans took on the wall clock. */
    public double wallMs() { return (wallNanos + (started ? System.nanoTime() - wallStart : 0)) / 1e6; }

    /**
     * One row of the table: op (name and dtype), calls, milliseconds, and the bytes of the tensors the calls took
     * and returned (a floor on the memory traffic of an op that reads its inputs and writes its output once).
     */
    public record Row(String op, long calls, double ms, long bytes) {}

    /** The ops by time spent, largest first. */
    public List<Row> rows() {
        List<Row> rows = new ArrayList<>();
        byOp.forEach((k, v) -> rows.add(new Row(k, v[0], v[1] / 1e6, v[2])));
        rows.sort((a, b) -> Double.compare(b.ms(), a.ms()));
        return rows;
    }

    /** The table as text: the top {@code limit} ops, their share of the timed sum, and that sum beside the wall clock. */
    public String report(int limit) {
        List<Row> rows = rows();
        double total = rows.stream().mapToDouble(Row::ms).sum();
        long calls = rows.stream().mapToLong(Row::calls).sum();
        long bytes = rows.stream().mapToLong(Row::bytes).sum();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, "%-34s %9s %11s %9s %6s %10s%n", "op", "calls", "ms", "µs/call", "share", "MB moved"));
        for (Row r : rows.subList(0, Math.min(limit, rows.size()))) {
            sb.append(String.format(Locale.ROOT, "%-34s %9d %11.1f %9.1f %5.1f%% %10.1f%n", r.op(), r.calls(), r.ms(),
                    r.ms() * 1e3 / r.calls(), total > 0 ? 100 * r.ms() / total : 0, r.bytes() / 1e6));
        }
        sb.append(String.format(Locale.ROOT, "timed ops: %d calls, %.1f ms, %.1f MB in and out; wall clock of the profiled span %.1f ms%n",
                calls, total, bytes / 1e6, wallMs()));
        return sb.toString();
    }

    @Override public void close() {
        stop();
        timers.values().forEach(DeviceTimer::close);
        timers.clear();
    }

    private Backend proxy(Backend b) {
        if (Proxy.isProxyClass(b.getClass()) && Proxy.getInvocationHandler(b) instanceof Timing) return b;
        return proxies.computeIfAbsent(b, raw -> (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, new Timing(raw)));
    }

    /** Times the outermost backend call of each nest on the raw backend's timer. */
    private final class Timing implements InvocationHandler {
        private final Backend raw;

        Timing(Backend raw) { this.raw = raw; }

        @Override public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            if (UNTIMED.contains(m.getName()) || depth > 0) return call(m, args);
            DeviceTimer t = timers.computeIfAbsent(raw, Backend::timer);
            depth++;
            try {
                t.start();
                Object out = call(m, args);
                double ms = t.stopMs();
                if (out == null && m.getReturnType() != void.class) return null;   // "no kernel for this here" (the caller falls back): no op ran
                long[] v = byOp.computeIfAbsent(key(m, args), k -> new long[3]);
                v[0]++;
                v[1] += Math.round(ms * 1e6);
                v[2] += bytes(args) + (out instanceof Tensor o ? bytes(o) : out instanceof Tensor[] os ? bytes(os) : 0);
                return out;
            } finally {
                depth--;
            }
        }

        private Object call(Method m, Object[] args) throws Throwable {
            try {
                return m.invoke(raw, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }

    private static long bytes(Tensor t) { return t.numel() * t.dtype().byteSize(); }

    private static long bytes(Object[] args) {
        long n = 0;
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Tensor t) n += bytes(t);
                else if (a instanceof Tensor[] ts) for (Tensor t : ts) n += bytes(t);
            }
        }
        return n;
    }

    /** The op's name and the dtype of its first tensor argument. */
    private static String key(Method m, Object[] args) {
        if (args != null) {
            for (Object a : args) {
                if (a instanceof Tensor t) return m.getName() + " " + t.dtype().name().toLowerCase(Locale.ROOT);
            }
        }
        return m.getName();
    }
}
