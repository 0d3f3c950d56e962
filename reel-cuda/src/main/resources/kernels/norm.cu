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

// part [chunks, n] of raw accumulations → out [n], finished over the whole R.
extern "C" __global__ void reduce_combine(const float* part, void* out, int odt, i64 chunks, i64 n, i64 R, int kind) {
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (i64)gridDim.x * blockDim.x) {
        float acc = part[e];
        for (i64 c = 1; c < chunks; c++) acc = kind == RED_MAX ? fmaxf(acc, part[c * n + e]) : acc + part[c * n + e];
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
