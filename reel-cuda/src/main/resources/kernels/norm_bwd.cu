// Backward of layer norm and RMS norm over contiguous rows of length D, in fp32 whatever the dtypes. With
// x̂ = (x − mean)·rstd and ĝ = g·weight: dx = rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ·x̂)); RMS norm has no mean and no
// mean(ĝ) term. Each thread keeps its elements of the row in registers, so x and g are read once per row.
#include "common.cuh"

// Sums of three values over the block (blockDim.x a multiple of 32, at most 1024); every thread gets them.
__device__ __forceinline__ void block_sum3(float& a, float& b, float& c, float (*scratch)[32]) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    a = warp_sum(a);
    b = warp_sum(b);
    c = warp_sum(c);
    __syncthreads();
    if (lane == 0) { scratch[0][w] = a; scratch[1][w] = b; scratch[2][w] = c; }
    __syncthreads();
    a = warp_sum(lane < nw ? scratch[0][lane] : 0.f);
    b = warp_sum(lane < nw ? scratch[1][lane] : 0.f);
    c = warp_sum(lane < nw ? scratch[2][lane] : 0.f);
}

template <int W>
__device__ __forceinline__ void load_w(const void* p, int dt, i64 off, float* v) {
    if constexpr (W == 8) load8(p, dt, off, 1, v);
    else v[0] = load_f(p, dt, off);
}

template <int W>
__device__ __forceinline__ void store_w(void* p, int dt, i64 off, const float* v) {
    if constexpr (W == 8) store8(p, dt, off, v);
    else store_f(p, dt, off, v[0]);
}

// Thread t owns the groups of W consecutive elements t, t + blockDim.x, ... (VPT of them at most) of every row, and
// keeps its part of the weight in registers across rows. A block walks rows blockIdx.x, + gridDim.x, ...; with part
// (non-null) it also sums, for its own columns over its own rows, g·x̂ and (layer norm) g, and writes them to
// part[blockIdx.x·D + i] and part[(gridDim.x + blockIdx.x)·D + i]: partials the host folds over blocks in a fixed
// order (deterministic, no atomics). Two block reductions a row for layer norm (the mean; then the centred
// variance, Σĝ and Σĝ·(x − mean) together), one for RMS norm.
template <int W, int VPT>
__device__ __forceinline__ void norm_bwd(const void* x, int xdt, const void* gy, int gdt, void* dx, int dxdt, const void* w,
                                         int wdt, float* part, i64 rows, int D, float eps, int rms) {
    __shared__ float scratch[3][32];
    int groups = D / W;
    float wv[VPT][W], pw[VPT][W], pb[VPT][W];
#pragma unroll
    for (int c = 0; c < VPT; c++) {
        int gi = threadIdx.x + c * blockDim.x;
#pragma unroll
        for (int j = 0; j < W; j++) wv[c][j] = 1.f, pw[c][j] = pb[c][j] = 0.f;
        if (w && gi < groups) load_w<W>(w, wdt, (i64)gi * W, wv[c]);
    }
    for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
        i64 base = row * D;
        float xv[VPT][W], gv[VPT][W];
        float s = 0.f;
#pragma unroll
        for (int c = 0; c < VPT; c++) {
            int gi = threadIdx.x + c * blockDim.x;
            if (gi < groups) {
                load_w<W>(x, xdt, base + (i64)gi * W, xv[c]);
                load_w<W>(gy, gdt, base + (i64)gi * W, gv[c]);
#pragma unroll
                for (int j = 0; j < W; j++) s += xv[c][j];
            }
        }
        float mean = rms ? 0.f : block_sum(s, scratch[0]) / D;
        // x − mean (in place), and the sums of (x − mean)², ĝ and ĝ·(x − mean)
        float q = 0.f, sg = 0.f, sgx = 0.f;
#pragma unroll
        for (int c = 0; c < VPT; c++) {
            int gi = threadIdx.x + c * blockDim.x;
            if (gi < groups) {
#pragma unroll
                for (int j = 0; j < W; j++) {
                    float xc = xv[c][j] - mean, gh = gv[c][j] * wv[c][j];
                    q += xc * xc;
                    sg += gh;
                    sgx += gh * xc;
                    xv[c][j] = xc;
                }
            }
        }
        block_sum3(q, sg, sgx, scratch);
        float rstd = rsqrtf(q / D + eps);
        float mg = rms ? 0.f : sg / D, mgx = sgx * rstd / D;   // mean(ĝ), mean(ĝ·x̂)
#pragma unroll
        for (int c = 0; c < VPT; c++) {
            int gi = threadIdx.x + c * blockDim.x;
            if (gi < groups) {
                float o[W];
#pragma unroll
                for (int j = 0; j < W; j++) {
                    float xh = xv[c][j] * rstd;
                    o[j] = rstd * (gv[c][j] * wv[c][j] - mg - xh * mgx);
                    if (part) {
                        pw[c][j] += gv[c][j] * xh;
                        pb[c][j] += gv[c][j];
                    }
                }
                store_w<W>(dx, dxdt, base + (i64)gi * W, o);
            }
        }
    }
    if (!part) return;
#pragma unroll
    for (int c = 0; c < VPT; c++) {
        int gi = threadIdx.x + c * blockDim.x;
        if (gi < groups) {
            store_w<W>(part, DT_F32, (i64)blockIdx.x * D + (i64)gi * W, pw[c]);
            if (!rms) store_w<W>(part, DT_F32, ((i64)gridDim.x + blockIdx.x) * D + (i64)gi * W, pb[c]);
        }
    }
}

// D % 8 == 0, D <= 8·blockDim.x, every operand 16-byte aligned (checked on the host): 16-byte accesses, one group
// of 8 a thread.
extern "C" __global__ void norm_bwd_vec(const void* x, int xdt, const void* g, int gdt, void* dx, int dxdt, const void* w, int wdt,
                                        float* part, i64 rows, int D, float eps, int rms) {
    norm_bwd<8, 1>(x, xdt, g, gdt, dx, dxdt, w, wdt, part, rows, D, eps, rms);
}

// Any D <= NORM_BWD_ELEMENTS·blockDim.x and any alignment: one element at a time, up to NORM_BWD_ELEMENTS a thread.
#define NORM_BWD_ELEMENTS 8
extern "C" __global__ void norm_bwd_any(const void* x, int xdt, const void* g, int gdt, void* dx, int dxdt, const void* w, int wdt,
                                        float* part, i64 rows, int D, float eps, int rms) {
    norm_bwd<1, NORM_BWD_ELEMENTS>(x, xdt, g, gdt, dx, dxdt, w, wdt, part, rows, D, eps, rms);
}
