package dev.reel.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.reel.core.DType;
import dev.reel.core.Tensor;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * cuDNN 9 ({@code libcudnn.so.9}) through the backend graph API: the handle bound to the device's stream, the
 * descriptor helpers every graph is built from (tensors, matmul, pointwise, reduction and reshape operations), engine
 * choice by cuDNN's heuristics, the execution-plan cache (per shape and layout; a problem cuDNN declines is cached
 * as its failure, logged once), and 3-D convolution forward and backward. The attention graphs (fused SDPA forward
 * and backward) are {@link CudnnAttention}'s, reached through {@link #attention()}. One per {@link CudaDevice};
 * outputs are made by the calling backend's {@link CudaAllocator}.
 */
final class Cudnn {
    private static final Logger LOG = LoggerFactory.getLogger(Cudnn.class);

    // descriptor types (cudnnBackendDescriptorType_t)
    private static final int POINTWISE = 0, CONVOLUTION = 1, ENGINE = 2, OP_CONV_FWD = 10, OP_CONV_BWD_FILTER = 11, OP_CONV_BWD_DATA = 12, ENGINECFG = 3, ENGINEHEUR = 4, EXECUTION_PLAN = 5, OP_POINTWISE = 13,
            OPERATIONGRAPH = 15, VARIANT_PACK = 16, TENSOR = 17, MATMUL = 18, OP_MATMUL = 19, REDUCTION = 21, OP_REDUCTION = 22, OP_RESHAPE = 31;
    // attribute types
    private static final int T_HANDLE = 0, T_DATA_TYPE = 1, T_BOOLEAN = 2, T_INT64 = 3, T_FLOAT = 4, T_VOID_PTR = 6, T_CONV_MODE = 7, T_HEUR_MODE = 8,
            T_NUMERICAL_NOTE = 11, T_POINTWISE_MODE = 14, T_DESCRIPTOR = 15, T_REDUCTION_OP = 18, T_CHAR = 24;
    // attribute names
    private static final int POINTWISE_MODE = 0, POINTWISE_MATH_PREC = 1, CONV_COMP_TYPE = 100, CONV_MODE = 101, CONV_DILATIONS = 102,
            CONV_STRIDES = 103, CONV_POST_PADDINGS = 104, CONV_PRE_PADDINGS = 105, CONV_SPATIAL_DIMS = 106, OP_CONV_ALPHA = 700,
            OP_CONV_BETA = 701, OP_CONV_DESC = 702, OP_CONV_W = 703, OP_CONV_X = 704, OP_CONV_Y = 705, ENGINEHEUR_MODE = 200, ENGINEHEUR_GRAPH = 201,
            ENGINEHEUR_RESULTS = 202, ENGINECFG_ENGINE = 300, ENGINE_NUMERICAL_NOTE = 1303, PLAN_HANDLE = 400, PLAN_ENGINE_CONFIG = 401, PLAN_WORKSPACE = 402, PLAN_JSON = 405, OP_PW_DESC = 750,
            OP_PW_X = 751, OP_PW_B = 752, OP_PW_Y = 753, GRAPH_HANDLE = 800, GRAPH_OPS = 801, TENSOR_ALIGNMENT = 900,
            TENSOR_DATA_TYPE = 901, TENSOR_DIMS = 902, TENSOR_STRIDES = 903, TENSOR_UID = 906, TENSOR_VIRTUAL = 907,
            TENSOR_BY_VALUE = 908, PACK_UIDS = 1000, PACK_POINTERS = 1001, PACK_WORKSPACE = 1003, MATMUL_COMP_TYPE = 1500,
            OP_MM_A = 1520, OP_MM_B = 1521, OP_MM_C = 1522, OP_MM_DESC = 1523, REDUCTION_OPERATOR = 1600,
            REDUCTION_COMP_TYPE = 1601, OP_RED_X = 1610, OP_RED_Y = 1611, OP_RED_DESC = 1612, OP_RESHAPE_X = 2200, OP_RESHAPE_Y = 2201;
    // enum values (cudnnDataType_t, cudnnPointwiseMode_t, cudnnReduceTensorOp_t), also for the graphs of CudnnAttention
    static final int DATA_FLOAT = 0, DATA_HALF = 2, DATA_BF16 = 9;
    static final int PW_ADD = 0, PW_MUL = 1, PW_DIV = 6, PW_SUB = 9, PW_EXP = 13, PW_LOG = 15, PW_IDENTITY = 21;
    static final int REDUCE_ADD = 0, REDUCE_MAX = 3;
    private static final int HEUR_MODE_A = 3, HEUR_MODE_FALLBACK = 2;
    /**
     * The numerical notes (cudnnBackendNumericalNote_t, as bits) an fp32 convolution's engine may not carry, so it
     * computes what the CPU's fp32 does to rounding: tensor cores (TF32), inputs down-converted, reduced-precision
     * reductions, FFT, non-deterministic, Winograd (any tile).
     */
    private static final int EXACT_FP32 = 0b1_1111_1111;
    /** Engine configs a heuristic query reads: the first that builds wins, so 8 suffice unless some are excluded. */
    private static final int CONFIGS = 8, CONFIGS_FILTERED = 64;
    private static final int CROSS_CORRELATION = 1;

    private static volatile NativeLibrary lib;

    private final CudaDevice dev;
    private final MethodHandle create, destroy, finalizeDesc, setAttr, getAttr, execute, lastError;
    private final MemorySegment handle;
    /** The loaded library's version, major·10000 + minor·100 + patch (cudnnGetVersion), e.g. 91900. */
    private final long version;
    private final Map<String, Plan> plans = new ConcurrentHashMap<>();
    private final CudnnPlanCache onDisk;
    private final Arena arena = Arena.ofShared();
    private final CudnnAttention attention;

    /** A finalised plan, or the reason cuDNN cannot run the problem (plan null). */
    record Plan(MemorySegment plan, long workspaceBytes, String failure) {
        boolean usable() { return plan != null; }
    }

    /** @param planCache the folder of cached execution plans ({@link CudnnPlanCache}) */
    Cudnn(CudaDevice dev, List<Path> libraryPath, Path planCache) {
        this.dev = dev;
        NativeLibrary l = library(libraryPath);
        create = l.fn(FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS), "cudnnBackendCreateDescriptor");
        destroy = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cudnnBackendDestroyDescriptor");
        finalizeDesc = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cudnnBackendFinalize");
        setAttr = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), "cudnnBackendSetAttribute");
        getAttr = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS, ADDRESS), "cudnnBackendGetAttribute");
        execute = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS), "cudnnBackendExecute");
        lastError = l.fn(FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG), "cudnnGetLastErrorString");
        MethodHandle getVersion = l.fn(FunctionDescriptor.of(JAVA_LONG), "cudnnGetVersion");
        MethodHandle cudnnCreate = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS), "cudnnCreate");
        MethodHandle setStream = l.fn(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), "cudnnSetStream");
        try (Arena a = Arena.ofConfined()) {
            version = (long) getVersion.invokeExact();
            MemorySegment h = a.allocate(ADDRESS);
            check((int) cudnnCreate.invokeExact(h), "cudnnCreate");
            handle = h.get(ADDRESS, 0);
            check((int) setStream.invokeExact(handle, dev.stream), "cudnnSetStream");
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
        attention = new CudnnAttention(this, dev);
        onDisk = new CudnnPlanCache(planCache, version, dev.name() + " sm_" + dev.computeCapability());
    }

    /** The loaded library's version, major·10000 + minor·100 + patch, e.g. 91900 for 9.19.0. */
    long version() { return version; }

    /** The fused attention graphs of this device (forward, forward with statistics, backward). */
    CudnnAttention attention() { return attention; }

    /** cuDNN, loaded once per process (searching {@code libraryPath} first on that first call). */
    static NativeLibrary library(List<Path> libraryPath) {
        NativeLibrary l = lib;
        if (l == null) {
            synchronized (Cudnn.class) {
                if (lib == null) lib = NativeLibrary.load("cuDNN", libraryPath, "libcudnn.so.9", "libcudnn.so");
                l = lib;
            }
        }
        return l;
    }

    private void check(int r, String what) {
        if (r == 0) return;
        String detail = "";
        try (Arena a = Arena.ofConfined()) {
            MemorySegment buf = a.allocate(1024);
            lastError.invokeExact(buf, 1024L);
            detail = buf.getString(0);
        } catch (Throwable ignored) {
            // keep the status code alone
        }
        throw new CudaException("cuDNN " + what + " failed with status " + r + (detail.isBlank() ? "" : ": " + detail), r);
    }

    static int dataType(DType t) {
        return switch (t) {
            case BF16 -> DATA_BF16;
            case F16 -> DATA_HALF;
            default -> DATA_FLOAT;
        };
    }

    /**
     * The plan cached under {@code key}, built by {@code build} on first use; a build cuDNN declines is cached as
     * its failure (so it is tried once) and logged once, saying which path runs instead ({@code fallback}).
     */
    Plan cached(String key, Supplier<Plan> build, String fallback) {
        Plan p = plans.get(key);
        if (p != null) return p;
        return plans.computeIfAbsent(key, kk -> {
            long t0 = System.nanoTime();
            Plan kept = restore(kk);
            if (kept != null) {
                LOG.debug("cuDNN plan for {} restored from disk in {} ms", kk, (System.nanoTime() - t0) / 1_000_000);
                return kept;
            }
            try {
                Plan built = build.get();
                LOG.debug("cuDNN plan for {} built in {} ms", kk, (System.nanoTime() - t0) / 1_000_000);
                keep(kk, built);
                return built;
            } catch (CudaException e) {
                LOG.warn("cuDNN has no engine for {}; {}: {}", kk, fallback, e.getMessage());
                return new Plan(null, 0, e.getMessage());
            }
        });
    }

    /** Problem {@code key}'s plan from the disk cache, or null (none kept, or cuDNN will not restore it: forgotten). */
    private Plan restore(String key) {
        byte[] json = onDisk.read(key);
        if (json == null) return null;
        try {
            Arena g = arena;
            MemorySegment plan = create(EXECUTION_PLAN, g);
            setHandle(plan, PLAN_HANDLE, g);
            MemorySegment text = g.allocate(json.length + 1L);
            MemorySegment.copy(json, 0, text, JAVA_BYTE, 0, json.length);
            set(plan, PLAN_JSON, T_CHAR, json.length, text);
            fin(plan, "execution plan from its JSON");
            MemorySegment ws = g.allocate(JAVA_LONG);
            get(plan, PLAN_WORKSPACE, T_INT64, 1, g.allocate(JAVA_LONG), ws);
            return new Plan(plan, ws.get(JAVA_LONG, 0), null);
        } catch (CudaException e) {
            LOG.debug("cuDNN did not restore the kept plan for {} ({}); building it", key, e.getMessage());
            onDisk.forget(key);
            return null;
        }
    }

    /** Keeps a built plan on disk when its engine can be serialised (runtime-compiled ones; others are skipped). */
    private void keep(String key, Plan p) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment count = a.allocate(JAVA_LONG);
            get(p.plan(), PLAN_JSON, T_CHAR, 0, count, MemorySegment.NULL);
            long n = count.get(JAVA_LONG, 0);
            if (n <= 0) return;
            MemorySegment text = a.allocate(n + 1);
            get(p.plan(), PLAN_JSON, T_CHAR, n, count, text);
            long len = Math.min(n, count.get(JAVA_LONG, 0));
            while (len > 0 && text.get(JAVA_BYTE, len - 1) == 0) len--;   // the C string's terminator, if counted
            onDisk.write(key, text.asSlice(0, len).toArray(JAVA_BYTE));
        } catch (CudaException e) {
            LOG.debug("cuDNN cannot serialise the plan for {}: {}", key, e.getMessage());
        }
    }

    // ---------------------------------------------------------------- graph construction

    /** Finalises an operation graph of {@code ops} and returns the first execution plan cuDNN's heuristics offer. */
    Plan plan(List<MemorySegment> ops, String what) { return plan(ops, what, 0); }

    /** As {@link #plan(List, String)}, skipping engines with any numerical note in the bit mask {@code excludedNotes}. */
    private Plan plan(List<MemorySegment> ops, String what, int excludedNotes) {
        Arena g = arena;
        MemorySegment graph = create(OPERATIONGRAPH, g);
        setHandle(graph, GRAPH_HANDLE, g);
        MemorySegment opArr = g.allocate(ADDRESS, ops.size());
        for (int i = 0; i < ops.size(); i++) opArr.setAtIndex(ADDRESS, i, ops.get(i));
        set(graph, GRAPH_OPS, T_DESCRIPTOR, ops.size(), opArr);
        fin(graph, "operation graph");

        List<String> failures = new ArrayList<>();
        for (int mode : new int[] {HEUR_MODE_A, HEUR_MODE_FALLBACK}) {
            MemorySegment heur = create(ENGINEHEUR, g);
            set(heur, ENGINEHEUR_GRAPH, T_DESCRIPTOR, 1, ptrOf(graph, g));
            set(heur, ENGINEHEUR_MODE, T_HEUR_MODE, 1, intOf(mode, g));
            try {
                fin(heur, "engine heuristics");
            } catch (CudaException e) {
                failures.add("heuristics mode " + mode + ": " + e.getMessage());
                continue;
            }
            MemorySegment count = g.allocate(JAVA_LONG);
            get(heur, ENGINEHEUR_RESULTS, T_DESCRIPTOR, 0, count, MemorySegment.NULL);
            int n = (int) Math.min(excludedNotes == 0 ? CONFIGS : CONFIGS_FILTERED, count.get(JAVA_LONG, 0));
            if (n == 0) {
                failures.add("heuristics mode " + mode + ": no engine");
                continue;
            }
            MemorySegment cfgs = g.allocate(ADDRESS, n);
            for (int i = 0; i < n; i++) cfgs.setAtIndex(ADDRESS, i, create(ENGINECFG, g));
            get(heur, ENGINEHEUR_RESULTS, T_DESCRIPTOR, n, count, cfgs);
            int got = (int) count.get(JAVA_LONG, 0);
            for (int i = 0; i < got; i++) {
                if (excludedNotes != 0) {
                    int notes = numericalNotes(cfgs.getAtIndex(ADDRESS, i));
                    if ((notes & excludedNotes) != 0) {
                        failures.add("engine config " + i + " (mode " + mode + "): numerical notes 0x" + Integer.toHexString(notes));
                        continue;
                    }
                }
                MemorySegment plan = create(EXECUTION_PLAN, g);
                setHandle(plan, PLAN_HANDLE, g);
                set(plan, PLAN_ENGINE_CONFIG, T_DESCRIPTOR, 1, ptrOf(cfgs.getAtIndex(ADDRESS, i), g));
                try {
                    fin(plan, "execution plan");
                } catch (CudaException e) {
                    failures.add("engine config " + i + " (mode " + mode + "): " + e.getMessage());
                    continue;
                }
                MemorySegment ws = g.allocate(JAVA_LONG);
                get(plan, PLAN_WORKSPACE, T_INT64, 1, g.allocate(JAVA_LONG), ws);
                return new Plan(plan, ws.get(JAVA_LONG, 0), null);
            }
        }
        throw new CudaException("cuDNN has no engine for " + what + ": " + String.join("; ", failures), 3000);
    }

    /** The numerical notes of an engine config's engine, as bits (bit n: cudnnBackendNumericalNote_t value n). */
    private int numericalNotes(MemorySegment cfg) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment engine = a.allocate(ADDRESS);
            engine.set(ADDRESS, 0, create(ENGINE, arena));
            MemorySegment count = a.allocate(JAVA_LONG);
            get(cfg, ENGINECFG_ENGINE, T_DESCRIPTOR, 1, count, engine);
            MemorySegment notes = a.allocate(JAVA_INT, 32);
            get(engine.get(ADDRESS, 0), ENGINE_NUMERICAL_NOTE, T_NUMERICAL_NOTE, 32, count, notes);
            int bits = 0;
            for (int i = 0; i < count.get(JAVA_LONG, 0); i++) {
                int note = notes.getAtIndex(JAVA_INT, i);
                if (note >= 0 && note < 32) bits |= 1 << note;
            }
            return bits;
        }
    }

    /** Runs a plan on the device's stream with the given tensor uids and (device or host) data pointers. */
    void run(Plan p, long[] uids, MemorySegment[] pointers, String what) {
        long workspace = dev.allocate(p.workspaceBytes);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment pack = create(VARIANT_PACK, a);
            MemorySegment u = a.allocate(JAVA_LONG, uids.length);
            MemorySegment ptrs = a.allocate(ADDRESS, uids.length);
            for (int i = 0; i < uids.length; i++) {
                u.setAtIndex(JAVA_LONG, i, uids[i]);
                ptrs.setAtIndex(ADDRESS, i, pointers[i]);
            }
            set(pack, PACK_UIDS, T_INT64, uids.length, u);
            set(pack, PACK_POINTERS, T_VOID_PTR, uids.length, ptrs);
            MemorySegment wsp = a.allocate(ADDRESS);
            wsp.set(ADDRESS, 0, MemorySegment.ofAddress(workspace));
            set(pack, PACK_WORKSPACE, T_VOID_PTR, 1, wsp);
            fin(pack, "variant pack");
            dev.bind();
            synchronized (this) {
                check((int) execute.invokeExact(handle, p.plan, pack), "execute " + what);
            }
            int ignored = (int) destroy.invokeExact(pack);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        } finally {
            dev.free(workspace);
        }
    }

    // ---------------------------------------------------------------- convolution

    /** What a convolution plan computes, and the operation's attribute names in cuDNN's backend API. */
    private enum ConvDirection {
        /** y = conv(x, w) */
        FORWARD(OP_CONV_FWD, OP_CONV_ALPHA, OP_CONV_BETA, OP_CONV_DESC, OP_CONV_X, OP_CONV_W, OP_CONV_Y),
        /** dx from dy and w */
        BACKWARD_DATA(OP_CONV_BWD_DATA, 706, 707, 708, 710, 709, 711),
        /** dw from x and dy */
        BACKWARD_FILTER(OP_CONV_BWD_FILTER, 712, 713, 714, 716, 715, 717);

        final int op, alpha, beta, desc, x, w, y;

        ConvDirection(int op, int alpha, int beta, int desc, int x, int w, int y) {
            this.op = op; this.alpha = alpha; this.beta = beta; this.desc = desc; this.x = x; this.w = w; this.y = y;
        }
    }

    /**
     * 3-D cross-correlation of contiguous x {@code [N, C, D, H, W]} with contiguous w {@code [K, C, T, R, S]} (no
     * bias), or null when cuDNN has no engine for it (the reason is logged once per problem).
     */
    Tensor conv3d(CudaAllocator out, Tensor x, Tensor w, int[] stride, int[] padding, int[] outDims) {
        int[] yShape = {x.size(0), w.size(0), outDims[0], outDims[1], outDims[2]};
        Plan p = convPlan(ConvDirection.FORWARD, x.dtype(), x.shape(), w.shape(), yShape, stride, padding);
        if (p.plan == null) return null;
        Tensor y = out.empty(x.dtype(), yShape);
        runConv(p, x, w, y, "conv3d");
        return y;
    }

    /**
     * The input's gradient of that convolution: contiguous dy {@code [N, K, D', H', W']} and w give dx of
     * {@code xShape}; null when cuDNN has no engine for it.
     */
    Tensor conv3dBackwardData(CudaAllocator out, Tensor dy, Tensor w, int[] xShape, int[] stride, int[] padding) {
        Plan p = convPlan(ConvDirection.BACKWARD_DATA, dy.dtype(), xShape, w.shape(), dy.shape(), stride, padding);
        if (p.plan == null) return null;
        Tensor dx = out.empty(dy.dtype(), xShape);
        runConv(p, dx, w, dy, "conv3d backward data");
        return dx;
    }

    /**
     * The weight's gradient of that convolution: contiguous x and dy give dw of {@code wShape} (in their dtype,
     * accumulated in fp32); null when cuDNN has no engine for it.
     */
    Tensor conv3dBackwardFilter(CudaAllocator out, Tensor x, Tensor dy, int[] wShape, int[] stride, int[] padding) {
        Plan p = convPlan(ConvDirection.BACKWARD_FILTER, x.dtype(), x.shape(), wShape, dy.shape(), stride, padding);
        if (p.plan == null) return null;
        Tensor dw = out.empty(x.dtype(), wShape);
        runConv(p, x, dw, dy, "conv3d backward filter");
        return dw;
    }

    private void runConv(Plan p, Tensor x, Tensor w, Tensor y, String what) {
        run(p, new long[] {1, 2, 3}, new MemorySegment[] {MemorySegment.ofAddress(dev.addr(x)), MemorySegment.ofAddress(dev.addr(w)),
                MemorySegment.ofAddress(dev.addr(y))}, what);
    }

    /** The cached plan of one convolution problem (a failed build is cached too, so it is tried once). */
    private Plan convPlan(ConvDirection dir, DType dtype, int[] xShape, int[] wShape, int[] yShape, int[] stride, int[] padding) {
        String key = dir + " " + dtype + Arrays.toString(xShape) + Arrays.toString(wShape) + Arrays.toString(stride) + Arrays.toString(padding);
        return cached(key, () -> buildConv(dir, dtype, xShape, wShape, yShape, stride, padding), "it runs the fallback path");
    }

    private Plan buildConv(ConvDirection dir, DType dtype, int[] xShape, int[] wShape, int[] yShape, int[] stride, int[] padding) {
        Arena g = arena;
        int io = dataType(dtype);
        // all three are dense: packed strides (a size-1 dim of a view may carry any stride)
        MemorySegment tx = tensor(1, io, toLong(xShape), Tensor.contiguousStrides(xShape), false, false);
        MemorySegment tw = tensor(2, io, toLong(wShape), Tensor.contiguousStrides(wShape), false, false);
        MemorySegment ty = tensor(3, io, toLong(yShape), Tensor.contiguousStrides(yShape), false, false);
        MemorySegment desc = create(CONVOLUTION, g);
        set(desc, CONV_COMP_TYPE, T_DATA_TYPE, 1, intOf(DATA_FLOAT, g));
        set(desc, CONV_MODE, T_CONV_MODE, 1, intOf(CROSS_CORRELATION, g));
        set(desc, CONV_SPATIAL_DIMS, T_INT64, 1, longs(new long[] {3}, g));
        set(desc, CONV_DILATIONS, T_INT64, 3, longs(new long[] {1, 1, 1}, g));
        set(desc, CONV_STRIDES, T_INT64, 3, longs(toLong(stride), g));
        set(desc, CONV_PRE_PADDINGS, T_INT64, 3, longs(toLong(padding), g));
        set(desc, CONV_POST_PADDINGS, T_INT64, 3, longs(toLong(padding), g));
        fin(desc, "convolution descriptor");
        MemorySegment op = create(dir.op, g);
        set(op, dir.x, T_DESCRIPTOR, 1, ptrOf(tx, g));
        set(op, dir.w, T_DESCRIPTOR, 1, ptrOf(tw, g));
        set(op, dir.y, T_DESCRIPTOR, 1, ptrOf(ty, g));
        set(op, dir.desc, T_DESCRIPTOR, 1, ptrOf(desc, g));
        MemorySegment one = g.allocate(JAVA_FLOAT), zero = g.allocate(JAVA_FLOAT);
        one.set(JAVA_FLOAT, 0, 1f);
        zero.set(JAVA_FLOAT, 0, 0f);
        set(op, dir.alpha, T_FLOAT, 1, one);
        set(op, dir.beta, T_FLOAT, 1, zero);
        fin(op, "convolution operation " + dir);
        // fp32 stays as exact as the CPU's: no TF32 tensor cores, FFT or Winograd engines (16-bit: any engine)
        return plan(List.of(op), dir + " conv3d " + dtype + Arrays.toString(xShape) + " * " + Arrays.toString(wShape), dtype == DType.F32 ? EXACT_FP32 : 0);
    }

    static long[] toLong(int[] v) {
        long[] r = new long[v.length];
        for (int i = 0; i < v.length; i++) r[i] = v[i];
        return r;
    }

    // graph descriptors live as long as the device (in its arena), since cached plans refer to them

    /** A tensor descriptor: {@code virtual} ones live only inside the graph, {@code byValue} ones are host scalars. */
    MemorySegment tensor(long uid, int type, long[] dims, long[] strides, boolean virtual, boolean byValue) {
        Arena g = arena;
        MemorySegment t = create(TENSOR, g);
        set(t, TENSOR_DATA_TYPE, T_DATA_TYPE, 1, intOf(type, g));
        set(t, TENSOR_DIMS, T_INT64, dims.length, longs(dims, g));
        set(t, TENSOR_STRIDES, T_INT64, strides.length, longs(strides, g));
        set(t, TENSOR_UID, T_INT64, 1, longs(new long[] {uid}, g));
        set(t, TENSOR_ALIGNMENT, T_INT64, 1, longs(new long[] {16}, g));
        set(t, TENSOR_VIRTUAL, T_BOOLEAN, 1, boolOf(virtual, g));
        if (byValue) set(t, TENSOR_BY_VALUE, T_BOOLEAN, 1, boolOf(true, g));
        fin(t, "tensor " + uid);
        return t;
    }

    /** c = a·b over the last two dims (batched over the others), accumulated in fp32. */
    MemorySegment matmul(MemorySegment a, MemorySegment b, MemorySegment c) {
        Arena g = arena;
        MemorySegment desc = create(MATMUL, g);
        set(desc, MATMUL_COMP_TYPE, T_DATA_TYPE, 1, intOf(DATA_FLOAT, g));
        fin(desc, "matmul descriptor");
        MemorySegment op = create(OP_MATMUL, g);
        set(op, OP_MM_A, T_DESCRIPTOR, 1, ptrOf(a, g));
        set(op, OP_MM_B, T_DESCRIPTOR, 1, ptrOf(b, g));
        set(op, OP_MM_C, T_DESCRIPTOR, 1, ptrOf(c, g));
        set(op, OP_MM_DESC, T_DESCRIPTOR, 1, ptrOf(desc, g));
        fin(op, "matmul operation");
        return op;
    }

    /** y = mode(x) or mode(x, bIn) (bIn null for a unary mode), computed in fp32. */
    MemorySegment pointwise(int mode, MemorySegment x, MemorySegment bIn, MemorySegment y) {
        Arena g = arena;
        MemorySegment desc = create(POINTWISE, g);
        set(desc, POINTWISE_MODE, T_POINTWISE_MODE, 1, intOf(mode, g));
        set(desc, POINTWISE_MATH_PREC, T_DATA_TYPE, 1, intOf(DATA_FLOAT, g));
        fin(desc, "pointwise descriptor " + mode);
        MemorySegment op = create(OP_POINTWISE, g);
        set(op, OP_PW_DESC, T_DESCRIPTOR, 1, ptrOf(desc, g));
        set(op, OP_PW_X, T_DESCRIPTOR, 1, ptrOf(x, g));
        if (bIn != null) set(op, OP_PW_B, T_DESCRIPTOR, 1, ptrOf(bIn, g));
        set(op, OP_PW_Y, T_DESCRIPTOR, 1, ptrOf(y, g));
        fin(op, "pointwise operation " + mode);
        return op;
    }

    /** y = x reduced by {@code mode} over the dims where y has size 1, in fp32. */
    MemorySegment reduction(int mode, MemorySegment x, MemorySegment y) {
        Arena g = arena;
        MemorySegment desc = create(REDUCTION, g);
        set(desc, REDUCTION_OPERATOR, T_REDUCTION_OP, 1, intOf(mode, g));
        set(desc, REDUCTION_COMP_TYPE, T_DATA_TYPE, 1, intOf(DATA_FLOAT, g));
        fin(desc, "reduction descriptor " + mode);
        MemorySegment op = create(OP_REDUCTION, g);
        set(op, OP_RED_X, T_DESCRIPTOR, 1, ptrOf(x, g));
        set(op, OP_RED_Y, T_DESCRIPTOR, 1, ptrOf(y, g));
        set(op, OP_RED_DESC, T_DESCRIPTOR, 1, ptrOf(desc, g));
        fin(op, "reduction operation " + mode);
        return op;
    }

    /**
     * y = x seen through y's dims and strides: the same elements, no data moved (the attention backward reads Pᵀ and
     * dSᵀ this way, as the score tensors with swapped dims and column-major strides).
     */
    MemorySegment reshape(MemorySegment x, MemorySegment y) {
        Arena g = arena;
        MemorySegment op = create(OP_RESHAPE, g);
        set(op, OP_RESHAPE_X, T_DESCRIPTOR, 1, ptrOf(x, g));
        set(op, OP_RESHAPE_Y, T_DESCRIPTOR, 1, ptrOf(y, g));
        fin(op, "reshape operation");
        return op;
    }

    // ---------------------------------------------------------------- thin wrappers

    private MemorySegment create(int type, Arena a) {
        try {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) create.invokeExact(type, out), "create descriptor " + type);
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private void set(MemorySegment desc, int name, int type, long count, MemorySegment values) {
        try {
            check((int) setAttr.invokeExact(desc, name, type, count, values), "set attribute " + name);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private void get(MemorySegment desc, int name, int type, long requested, MemorySegment count, MemorySegment values) {
        try {
            check((int) getAttr.invokeExact(desc, name, type, requested, count, values), "get attribute " + name);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private void fin(MemorySegment desc, String what) {
        try {
            check((int) finalizeDesc.invokeExact(desc), "finalize " + what);
        } catch (Throwable t) {
            throw CudaDriver.rethrow(t);
        }
    }

    private void setHandle(MemorySegment desc, int name, Arena a) {
        set(desc, name, T_HANDLE, 1, ptrOf(handle, a));
    }

    private static MemorySegment ptrOf(MemorySegment p, Arena a) {
        MemorySegment s = a.allocate(ADDRESS);
        s.set(ADDRESS, 0, p);
        return s;
    }

    private static MemorySegment intOf(int v, Arena a) {
        MemorySegment s = a.allocate(JAVA_INT);
        s.set(JAVA_INT, 0, v);
        return s;
    }

    private static MemorySegment boolOf(boolean v, Arena a) {
        MemorySegment s = a.allocate(JAVA_BYTE);
        s.set(JAVA_BYTE, 0, (byte) (v ? 1 : 0));
        return s;
    }

    private static MemorySegment longs(long[] v, Arena a) {
        MemorySegment s = a.allocate(JAVA_LONG, v.length);
        for (int i = 0; i < v.length; i++) s.setAtIndex(JAVA_LONG, i, v[i]);
        return s;
    }
}
