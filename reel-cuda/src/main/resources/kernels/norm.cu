// Normalisations with fp32 statistics, softmax and reductions. Rows are contiguous (the host makes them so).
#include "common.cuh"

// Layer norm over rows of length D: one block per row, statistics in fp32 (two passes: mean, then the
// centred variance, as the reference computes it). weight/bias may be null.
extern "C" __global__ void layer_norm(const void* x, int xdt, void* out, int odt, const void* w, int wdt, const void* b,
                                      int bdt, int D, float eps) {
    __shared__ float scratch[32];
    i64 row = blockIdx.x;
    i64 base = row * D;
    float s = 0.f;
    for (int i = threadIdx.x; i < D; i += blockDim.x) s += load_f(x, xdt, base + i);
    float mean = block_sum(s, scratch) / D;
    float v = 0.f;
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float d = load_f(x, xdt, base + i) - mean;
        v += d * d;
    }
    float rstd = rsqrtf(block_sum(v, scratch) / D + eps);
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float y = (load_f(x, xdt, base + i) - mean) * rstd;
        if (w) y *= load_f(w, wdt, i);
        if (b) y += load_f(b, bdt, i);
        store_f(out, odt, base + i, y);
    }
}

// RMS norm: x / sqrt(mean(x^2) + eps) * weight (weight may be null).
extern "C" __global__ void rms_norm(const void* x, int xdt, void* out, int odt, const void* w, int wdt, int D, float eps) {
    __shared__ float scratch[32];
    i64 base = (i64)blockIdx.x * D;
    float s = 0.f;
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float t = load_f(x, xdt, base + i);
        s += t * t;
    }
    float r = rsqrtf(block_sum(s, scratch) / D + eps);
    for (int i = threadIdx.x; i < D; i += blockDim.x) {
        float y = load_f(x, xdt, base + i) * r;
        if (w) y *= load_f(w, wdt, i);
        store_f(out, odt, base + i, y);
    }
}

// Vectorised layer/RMS norm for rows with D % 8 == 0, D <= 8 * VPT * blockDim.x and 16-byte aligned rows:
// each thread keeps up to VPT chunks of 8 elements in registers, so x is read once. rms != 0 selects RMS norm
// (no mean, no bias).
#define NORM_VPT 4
extern "C" __global__ void norm_rows_vec(const void* x, int xdt, void* out, int odt, const void* w, int wdt, const void* b, int bdt,
                                        int D, float eps, int rms) {
    __shared__ float scratch[32];
    i64 base = (i64)blockIdx.x * D;
    int chunks = D >> 3;
    float v[NORM_VPT][8];
    float s = 0.f;
#pragma unroll
    for (int c = 0; c < NORM_VPT; c++) {
        int ch = threadIdx.x + c * blockDim.x;
        if (ch < chunks) {
            load8(x, xdt, base + ch * 8, 1, v[c]);
#pragma unroll
            for (int j = 0; j < 8; j++) s += rms ? v[c][j] * v[c][j] : v[c][j];
        }
    }
    float mean = 0.f, rstd;
    if (rms) {
        rstd = rsqrtf(block_sum(s, scratch) / D + eps);
    } else {
        mean = block_sum(s, scratch) / D;
        float q = 0.f;
#pragma unroll
        for (int c = 0; c < NORM_VPT; c++) {
            int ch = threadIdx.x + c * blockDim.x;
            if (ch < chunks) {
#pragma unroll
                for (int j = 0; j < 8; j++) {
                    float d = v[c][j] - mean;
                    q += d * d;
                }
            }
        }
        rstd = rsqrtf(block_sum(q, scratch) / D + eps);
    }
#pragma unroll
    for (int c = 0; c < NORM_VPT; c++) {
        int ch = threadIdx.x + c * blockDim.x;
        if (ch < chunks) {
            float y[8], g[8], o[8];
            if (w) load8(w, wdt, ch * 8, 1, g);
            if (b) load8(b, bdt, ch * 8, 1, o);
#pragma unroll
            for (int j = 0; j < 8; j++) {
                float t = (v[c][j] - mean) * rstd;
                if (w) t *= g[j];
                if (b) t += o[j];
                y[j] = t;
            }
            store8(out, odt, base + ch * 8, y);
        }
    }
}

// Softmax over rows of length D (max-subtracted, fp32).
extern "C" __global__ void softmax_rows(const void* x, int xdt, void* out, int odt, int D) {
    __shared__ float scratch[32];
    i64 base = (i64)blockIdx.x * D;
    float m = neg_inf();
    for (int i = threadIdx.x; i < D; i += blockDim.x) m = fmaxf(m, load_f(x, xdt, base + i));
    m = block_max(m, scratch);
    float s = 0.f;
    for (int i = threadIdx.x; i < D; i += blockDim.x) s += expf(load_f(x, xdt, base + i) - m);
    float inv = 1.f / block_sum(s, scratch);
    for (int i = threadIdx.x; i < D; i += blockDim.x) store_f(out, odt, base + i, expf(load_f(x, xdt, base + i) - m) * inv);
}

// Group norm statistics: x is [B, G, n] contiguous (n = C/G * spatial). Each block adds the sum and the
// sum of squares of one chunk of one (b, g) into stats[(b*G+g)*2 + {0,1}] in double precision.
extern "C" __global__ void group_stats(const void* x, int xdt, i64 n, int chunks, double* stats) {
    i64 bg = blockIdx.x / chunks;
    int c = blockIdx.x % chunks;
    i64 per = (n + chunks - 1) / chunks;
    i64 lo = c * per, hi = lo + per < n ? lo + per : n;
    i64 base = bg * n;
    // accumulate in fp32 per thread over a short range, then in double across threads
    double s = 0.0, q = 0.0;
    for (i64 i = lo + threadIdx.x; i < hi; i += blockDim.x) {
        float t = load_f(x, xdt, base + i);
        s += t;
        q += (double)t * t;
    }
    __shared__ double ds[32], dq[32];
    for (int o = 16; o > 0; o >>= 1) {
        s += __shfl_xor_sync(0xffffffffu, s, o);
        q += __shfl_xor_sync(0xffffffffu, q, o);
    }
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    if (lane == 0) { ds[w] = s; dq[w] = q; }
    __syncthreads();
    if (threadIdx.x == 0) {
        double ts = 0.0, tq = 0.0;
        for (int k = 0; k < (int)(blockDim.x >> 5); k++) { ts += ds[k]; tq += dq[k]; }
        atomicAdd(&stats[bg * 2], ts);
        atomicAdd(&stats[bg * 2 + 1], tq);
    }
}

// Group norm apply: x [B, C, S] contiguous, G groups of C/G channels; weight/bias [C] or null.
extern "C" __global__ void group_apply(const void* x, int xdt, void* out, int odt, const double* stats, const void* w, int wdt,
                                       const void* b, int bdt, int C, int G, i64 S, float eps, i64 total) {
    i64 n = (i64)(C / G) * S;
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
        i64 bc = e / S;
        int c = (int)(bc % C);
        i64 bg = (bc / C) * G + c / (C / G);
        double mean = stats[bg * 2] / n;
        double var = stats[bg * 2 + 1] / n - mean * mean;
        float rstd = rsqrtf((float)(var > 0 ? var : 0) + eps);
        float y = (load_f(x, xdt, e) - (float)mean) * rstd;
        if (w) y *= load_f(w, wdt, c);
        if (b) y += load_f(b, bdt, c);
        store_f(out, odt, e, y);
    }
}

// Reduction kinds (dev.reel.cuda.KernelAbi): sum, mean, max, L2 norm.
#define RED_SUM 0
#define RED_MEAN 1
#define RED_MAX 2
#define RED_NORM 3

// Reduction of x viewed as [outer, R, inner] (contiguous) along R.
__device__ __forceinline__ float red_init(int kind) { return kind == RED_MAX ? neg_inf() : 0.f; }
__device__ __forceinline__ float red_add(int kind, float acc, float v) { return kind == RED_MAX ? fmaxf(acc, v) : kind == RED_NORM ? acc + v * v : acc + v; }
__device__ __forceinline__ float red_fin(int kind, float acc, i64 R) { return kind == RED_MEAN ? acc / R : kind == RED_NORM ? sqrtf(acc) : acc; }

// inner == 1: one block per output row.
extern "C" __global__ void reduce_rows(const void* x, int xdt, void* out, int odt, i64 R, int kind) {
    __shared__ float scratch[32];
    i64 base = (i64)blockIdx.x * R;
    float acc = red_init(kind);
    for (i64 i = threadIdx.x; i < R; i += blockDim.x) acc = red_add(kind, acc, load_f(x, xdt, base + i));
    acc = kind == RED_MAX ? block_max(acc, scratch) : block_sum(acc, scratch);
    if (threadIdx.x == 0) store_f(out, odt, blockIdx.x, red_fin(kind, acc, R));
}

// A long R over few outputs (a whole gradient's norm: one row of 10^7 values) would leave one block per output and
// the GPU idle. The split kernels cut R into gridDim.x (rows) or gridDim.z (columns) chunks of len and write each
// chunk's raw accumulation (sum, sum of squares or max; not finished) to part [chunks, outputs]; reduce_combine then
// folds the chunks in order and finishes. Deterministic: a fixed tree, no atomics.
extern "C" __global__ void reduce_rows_split(const void* x, int xdt, float* part, i64 R, i64 len, int kind) {
    __shared__ float scratch[32];
    i64 o = blockIdx.y, start = (i64)blockIdx.x * len, end = start + len < R ? start + len : R;
    float acc = red_init(kind);
    for (i64 i = start + threadIdx.x; i < end; i += blockDim.x) acc = red_add(kind, acc, load_f(x, xdt, o * R + i));
    acc = kind == RED_MAX ? block_max(acc, scratch) : block_sum(acc, scratch);
    if (threadIdx.x == 0) part[(i64)blockIdx.x * gridDim.y + o] = acc;
}

extern "C" __global__ void reduce_cols_split(const void* x, int xdt, float* part, i64 outer, i64 R, i64 inner, i64 len, int kind) {
    __shared__ float p[8][33];
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    i64 col = (i64)blockIdx.x * 32 + tx, start = (i64)blockIdx.z * len, end = start + len < R ? start + len : R;
    for (i64 o = blockIdx.y; o < outer; o += gridDim.y) {
        float acc = red_init(kind);
        if (col < inner) {
            i64 base = o * R * inner + col;
            for (i64 r = start + ty; r < end; r += 8) acc = red_add(kind, acc, load_f(x, xdt, base + r * inner));
        }
        p[ty][tx] = acc;
        __syncthreads();
        if (ty == 0 && col < inner) {
            float a = p[0][tx];
            for (int k = 1; k < 8; k++) a = kind == RED_MAX ? fmaxf(a, p[k][tx]) : a + p[k][tx];
            part[((i64)blockIdx.z * outer + o) * inner + col] = a;
        }
        __syncthreads();
    }
}

// part [chunks, n] of raw accumulations → out [n], finished over the whole R. The chunks are folded in order, 8
// loads issued before their adds: with few outputs (a bias's 1536) each thread's walk of ~50 chunks would otherwise
// pay one L2 latency per chunk.
#define COMBINE_BATCH 8
extern "C" __global__ void reduce_combine(const float* part, void* out, int odt, i64 chunks, i64 n, i64 R, int kind) {
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (i64)gridDim.x * blockDim.x) {
        float acc = part[e];
        i64 c = 1;
        for (; c + COMBINE_BATCH <= chunks; c += COMBINE_BATCH) {
            float v[COMBINE_BATCH];
#pragma unroll
            for (int u = 0; u < COMBINE_BATCH; u++) v[u] = part[(c + u) * n + e];
#pragma unroll
            for (int u = 0; u < COMBINE_BATCH; u++) acc = kind == RED_MAX ? fmaxf(acc, v[u]) : acc + v[u];
        }
        for (; c < chunks; c++) acc = kind == RED_MAX ? fmaxf(acc, part[c * n + e]) : acc + part[c * n + e];
        store_f(out, odt, e, red_fin(kind, acc, R));
    }
}

// inner > 1: one thread per output element, walking R (coalesced across inner).
extern "C" __global__ void reduce_cols(const void* x, int xdt, void* out, int odt, i64 outer, i64 R, i64 inner, int kind) {
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < outer * inner; e += (i64)gridDim.x * blockDim.x) {
        i64 o = e / inner, in = e - o * inner;
        i64 base = o * R * inner + in;
        float acc = red_init(kind);
        for (i64 r = 0; r < R; r++) acc = red_add(kind, acc, load_f(x, xdt, base + r * inner));
        store_f(out, odt, e, red_fin(kind, acc, R));
    }
}

// inner > 1 and R long (a bias's gradient: [B·L, D] summed over B·L): one thread per output would leave the GPU all
// but idle, each thread walking R alone. Here each 256-thread block takes 32 adjacent columns of one outer slice
// (coalesced loads), its 8 warps walk R in steps of 8 rows, and the 8 partials of a column are combined in a fixed
// order (deterministic, no atomics).
extern "C" __global__ void reduce_cols_tiled(const void* x, int xdt, void* out, int odt, i64 outer, i64 R, i64 inner, int kind) {
    __shared__ float part[8][33];
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    i64 col = (i64)blockIdx.x * 32 + tx;
    for (i64 o = blockIdx.y; o < outer; o += gridDim.y) {
        float acc = red_init(kind);
        if (col < inner) {
            i64 base = o * R * inner + col;
            for (i64 r = ty; r < R; r += 8) acc = red_add(kind, acc, load_f(x, xdt, base + r * inner));
        }
        part[ty][tx] = acc;
        __syncthreads();
        if (ty == 0 && col < inner) {
            float a = part[0][tx];
            for (int k = 1; k < 8; k++) a = kind == RED_MAX ? fmaxf(a, part[k][tx]) : a + part[k][tx];
            store_f(out, odt, o * inner + col, red_fin(kind, a, R));
        }
        __syncthreads();
    }
}

// The bandwidth-bound case of the column reductions (bias gradients: [14040, 1536] bf16 summed over the tokens). The
// tiled kernel's warps read 32 two-byte elements of a row, 64 bytes, through load_f's dtype switch; here x is
// contiguous with 16-byte aligned rows (inner·size % 16 == 0 and x aligned, checked on the host), so each lane
// loads 16 bytes (8 bf16/f16 or 4 f32 columns) and a warp reads 512 contiguous bytes of a row. A 256-thread block
// takes 32 lanes' columns (256 or 128) of one outer slice, its 8 warps walk rows [start, end) of R in steps of 8
// with four rows' loads in flight per lane, and the warps' partials are folded per column in warp order
// (deterministic, no atomics). part == null: the whole R (len = R, one chunk) is finished into out; otherwise
// gridDim.z chunks of len rows each write raw accumulations to part [chunks, outer, inner] for reduce_combine.
#define COLS_VEC_WARPS 8
#define COLS_VEC_UNROLL 4

// 16 bytes of x as floats: 4 f32 or 8 bf16/f16, low halves first.
template <int DT>
__device__ __forceinline__ void unpack16(V4u a, float* v) {
    u32 w[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
    for (int k = 0; k < 4; k++) {
        if (DT == DT_F32) {
            v[k] = __uint_as_float(w[k]);
        } else if (DT == DT_BF16) {
            v[2 * k] = __uint_as_float(w[k] << 16);
            v[2 * k + 1] = __uint_as_float(w[k] & 0xffff0000u);
        } else {
            v[2 * k] = f16_to_f((u16)(w[k] & 0xffff));
            v[2 * k + 1] = f16_to_f((u16)(w[k] >> 16));
        }
    }
}

// One (dtype, accumulation) instance: K is RED_SUM (also MEAN's), RED_MAX or RED_NORM as a constant, so the inner
// loop has no kind or dtype test; kind (run time) only picks the finish. p: the kernel's shared partials.
template <int DT, int K>
__device__ __forceinline__ void cols_vec(const void* x, void* out, int odt, float* part, i64 outer, i64 R, i64 inner, i64 len,
                                         int kind, float* p) {
    constexpr int N = DT == DT_F32 ? 4 : 8, COLS = 32 * N, S = DT == DT_F32 ? 4 : 2;
    int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
    i64 col = (i64)blockIdx.x * COLS + tx * N, start = (i64)blockIdx.z * len, end = start + len < R ? start + len : R;
    const i64 step = COLS_VEC_WARPS * inner * S;  // bytes between a warp's rows
    for (i64 o = blockIdx.y; o < outer; o += gridDim.y) {
        float acc[N];
#pragma unroll
        for (int j = 0; j < N; j++) acc[j] = red_init(K);
        if (col < inner) {
            i64 r = start + ty;
            const char* q = (const char*)x + ((o * R + r) * inner + col) * S;
            for (; r + (COLS_VEC_UNROLL - 1) * COLS_VEC_WARPS < end; r += COLS_VEC_UNROLL * COLS_VEC_WARPS, q += COLS_VEC_UNROLL * step) {
                V4u a[COLS_VEC_UNROLL];
#pragma unroll
                for (int u = 0; u < COLS_VEC_UNROLL; u++) a[u] = *(const V4u*)(q + u * step);
#pragma unroll
                for (int u = 0; u < COLS_VEC_UNROLL; u++) {
                    float v[N];
                    unpack16<DT>(a[u], v);
#pragma unroll
                    for (int j = 0; j < N; j++) acc[j] = red_add(K, acc[j], v[j]);
                }
            }
            for (; r < end; r += COLS_VEC_WARPS, q += step) {
                float v[N];
                unpack16<DT>(*(const V4u*)q, v);
#pragma unroll
                for (int j = 0; j < N; j++) acc[j] = red_add(K, acc[j], v[j]);
            }
        }
#pragma unroll
        for (int h = 0; h < N / 4; h++) *(V4f*)&p[ty * COLS + tx * N + 4 * h] = V4f{acc[4 * h], acc[4 * h + 1], acc[4 * h + 2], acc[4 * h + 3]};
        __syncthreads();
        int c = threadIdx.x;  // the block's column this thread folds
        i64 oc = (i64)blockIdx.x * COLS + c;
        if (c < COLS && oc < inner) {
            float a = p[c];
#pragma unroll
            for (int k = 1; k < COLS_VEC_WARPS; k++) a = K == RED_MAX ? fmaxf(a, p[k * COLS + c]) : a + p[k * COLS + c];
            if (part) part[((i64)blockIdx.z * outer + o) * inner + oc] = a;
            else store_f(out, odt, o * inner + oc, red_fin(kind, a, R));
        }
        __syncthreads();
    }
}

template <int DT>
__device__ __forceinline__ void cols_vec_kind(const void* x, void* out, int odt, float* part, i64 outer, i64 R, i64 inner, i64 len,
                                              int kind, float* p) {
    if (kind == RED_MAX) cols_vec<DT, RED_MAX>(x, out, odt, part, outer, R, inner, len, kind, p);
    else if (kind == RED_NORM) cols_vec<DT, RED_NORM>(x, out, odt, part, outer, R, inner, len, kind, p);
    else cols_vec<DT, RED_SUM>(x, out, odt, part, outer, R, inner, len, kind, p);
}

// 256 threads (COLS_VEC_WARPS warps); grid (column blocks, min(outer, 65535), chunks). xdt: f32, bf16 or f16.
extern "C" __global__ void reduce_cols_vec(const void* x, int xdt, void* out, int odt, float* part, i64 outer, i64 R, i64 inner,
                                           i64 len, int kind) {
    alignas(16) __shared__ float p[COLS_VEC_WARPS * 32 * 8];  // 8 columns a lane at most (16-bit dtypes)
    if (xdt == DT_F32) cols_vec_kind<DT_F32>(x, out, odt, part, outer, R, inner, len, kind, p);
    else if (xdt == DT_BF16) cols_vec_kind<DT_BF16>(x, out, odt, part, outer, R, inner, len, kind, p);
    else cols_vec_kind<DT_F16>(x, out, odt, part, outer, R, inner, len, kind, p);
}

// Rounds v through dtype dt (identity for fp32): where a composed op would store its result.
__device__ __forceinline__ float through(float v, int dt) {
    return dt == DT_BF16 ? bf16_to_f(f_to_bf16(v)) : dt == DT_F16 ? f16_to_f(f_to_f16(v)) : v;
}

// The Wan VAE's channel RMS norm (Backend.channelNorm; Diffusers' WanRMS_norm, F.normalize over dim 1 · scale · gamma),
// then SiLU when silu, on a contiguous [B, C, S] x with gamma [C] of x's dtype: one thread per (b, s), walking the C
// channels at stride S, so a warp reads consecutive positions. Every step rounds to x's dtype where the composed ops
// store (the norm, its clamp, x / norm, · scale, · gamma, SiLU): the same values up to the norm's summation order.
extern "C" __global__ void channel_norm(const void* x, void* out, const void* gamma, int dt, i64 B, int C, i64 S,
                                        float scale, float eps, int silu) {
    const i64 n = B * S;
    for (i64 p = (i64)blockIdx.x * blockDim.x + threadIdx.x; p < n; p += (i64)gridDim.x * blockDim.x) {
        const i64 b = p / S, base = b * C * S + (p - b * S);
        float acc = 0.f;
        for (int c = 0; c < C; c++) {
            float v = load_f(x, dt, base + c * S);
            acc = acc + v * v;
        }
        const float norm = through(fmaxf(through(sqrtf(acc), dt), eps), dt);
        for (int c = 0; c < C; c++) {
            float v = through(load_f(x, dt, base + c * S) / norm, dt);
            v = through(v * scale, dt);
            v = through(v * load_f(gamma, dt, c), dt);
            if (silu) v = v / (1.f + expf(-v));
            store_f(out, dt, base + c * S, v);
        }
    }
}

// channel_norm for S % 8 == 0 and 16-byte aligned x and out: a block of CN_WARPS warps owns 256 positions (each lane 8
// consecutive ones, one 16-byte load per channel); warp w sums the squares of channels w, w + CN_WARPS, …, the warps'
// sums meet in shared memory, then each warp normalises and writes its channels. The channel loops keep several
// loads in flight per thread, where one thread per position walking all C channels left the memory system idle.
#define CN_WARPS 8
extern "C" __global__ void __launch_bounds__(32 * CN_WARPS) channel_norm_vec(const void* x, void* out, const void* gamma, int dt,
                                                                             i64 B, int C, i64 S, float scale, float eps, int silu) {
    __shared__ float part[CN_WARPS][32 * 8];
    const int lane = threadIdx.x & 31, w = threadIdx.x >> 5;
    const i64 groups = B * S / 8, g = (i64)blockIdx.x * 32 + lane;   // this lane's 8 positions: 8g … 8g + 7
    const bool live = g < groups;
    const i64 p0 = g * 8, b = p0 / S, base = b * C * S + (p0 - b * S);
    float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f}, v[8];
    if (live) {
#pragma unroll 4
        for (int c = w; c < C; c += CN_WARPS) {
            load8(x, dt, base + c * S, 1, v);
#pragma unroll
            for (int k = 0; k < 8; k++) acc[k] = acc[k] + v[k] * v[k];
        }
    }
#pragma unroll
    for (int k = 0; k < 8; k++) part[w][lane * 8 + k] = acc[k];
    __syncthreads();
    if (!live) return;
    float norm[8];
#pragma unroll
    for (int k = 0; k < 8; k++) {
        float s = 0.f;
        for (int j = 0; j < CN_WARPS; j++) s += part[j][lane * 8 + k];
        norm[k] = through(fmaxf(through(sqrtf(s), dt), eps), dt);
    }
#pragma unroll 2
    for (int c = w; c < C; c += CN_WARPS) {
        load8(x, dt, base + c * S, 1, v);
        const float gc = load_f(gamma, dt, c);
#pragma unroll
        for (int k = 0; k < 8; k++) {
            float y = through(through(through(v[k] / norm[k], dt) * scale, dt) * gc, dt);
            v[k] = silu ? y / (1.f + expf(-y)) : y;
        }
        store8(out, dt, base + c * S, v);
    }
}
