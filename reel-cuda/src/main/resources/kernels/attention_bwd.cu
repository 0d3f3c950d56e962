// Flash attention backward (no bias), FlashAttention-2's algorithm, in three kernels that never materialise the
// Lq×Lk scores. With S = q·kᵀ, P = softmax(scale·S), Δ = rowsum(dO ⊙ O) and dS = P ⊙ (dO·vᵀ − Δ):
// dV = Pᵀ·dO, dK = scale·dSᵀ·q, dQ = scale·dS·k.
//   attn_bwd_prep: per query row the base-2 log-sum-exp of the scaled scores (the forward kernel does not keep it,
//                  so one pass of q·kᵀ over the key tiles recomputes it) and Δ.
//   attn_bwd_dkdv: a block owns FB_BN = 128 key rows (8 warps × 16) and streams the query rows in tiles of BQ rows,
//                  64 at head dim 64, 32 at 128 (where 64 spills: the dK and dV accumulators alone take 128 registers
//                  a thread), q and dO double-buffered with cp.async. Each warp computes its rows' Sᵀ = k·qᵀ and
//                  dPᵀ = v·dOᵀ, so Pᵀ and dSᵀ are already laid out as the A operands of dV += Pᵀ·dO and dK += dSᵀ·q.
//   attn_bwd_dq:   a block owns FA_BM = 128 query rows (8 warps × 16) and streams key/value tiles of FA_BN = 64 rows,
//                  as the forward does: S, P, dP = dO·vᵀ, dS, dQ += dS·k.
// dQ has its own kernel rather than FA2's fp32 atomicAdd from the dK/dV kernel: it is deterministic (the same bits
// every step), needs no zeroed fp32 accumulator, no round trip of dS through shared memory and no atomics, and has
// the forward's structure. The price is recomputing S and dP: 3 matrix products per tile pair instead of 1, so the
// backward does 8 products' worth of tensor work (prep 1, dK/dV 4, dQ 3) against FA2's 5 plus its Lq·D fp32 atomic
// adds per key block.
// Operands bf16/f16 on the tensor cores with fp32 accumulation (P and dS rounded to the operand type for their
// products, as FA2 does); outputs dQ, dK, dV are dense fp32 [B, H, L, D].
#include "flash.cuh"

#define FB_BN 128  // key rows of a dK/dV block; its query tiles are BQ rows (an entry's third argument)

struct alignas(8) F2 { float x, y; };

__device__ __forceinline__ float pos_inf() { return __int_as_float(0x7f800000); }

__device__ __forceinline__ float lg2(float x) {
    float r;
    asm("lg2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

// c (16 × N) = A[ra, ra + 16) · B[0, N)ᵀ over D: A and B swizzled [rows × D] tiles (the forward's q·kᵀ).
template <int D, int N, bool BF16>
__device__ __forceinline__ void mma_abt(float (*c)[4], u32 sA, int ra, u32 sB, int lane) {
    constexpr int RB = D * 2;
#pragma unroll
    for (int j = 0; j < N / 8; j++) c[j][0] = c[j][1] = c[j][2] = c[j][3] = 0.f;
    const int r = ra + (lane & 7) + 8 * ((lane >> 3) & 1);
#pragma unroll
    for (int k2 = 0; k2 < D / 32; k2++) {
        u32 a0[4], a1[4];
        ldsm_x4(sA + swz<RB>(r, 4 * k2 + (lane >> 4)), a0[0], a0[1], a0[2], a0[3]);
        ldsm_x4(sA + swz<RB>(r, 4 * k2 + 2 + (lane >> 4)), a1[0], a1[1], a1[2], a1[3]);
#pragma unroll
        for (int j = 0; j < N / 8; j++) {
            u32 b0, b1, b2, b3;
            ldsm_x4(sB + swz<RB>(8 * j + (lane & 7), 4 * k2 + (lane >> 3)), b0, b1, b2, b3);
            mma16816<BF16>(c[j], a0, b0, b1);
            mma16816<BF16>(c[j], a1, b2, b3);
        }
    }
}

// c (16 × D) += a (16 × N, A fragments) · B[0, N): B a swizzled [N × D] tile (the forward's p·v).
template <int D, int N, bool BF16>
__device__ __forceinline__ void mma_ab(float (*c)[4], const u32 (*a)[4], u32 sB, int lane) {
    constexpr int RB = D * 2;
#pragma unroll
    for (int st = 0; st < N / 16; st++) {
#pragma unroll
        for (int j2 = 0; j2 < D / 16; j2++) {
            u32 b0, b1, b2, b3;
            ldsm_x4_t(sB + swz<RB>(16 * st + (lane & 7) + 8 * ((lane >> 3) & 1), 2 * j2 + (lane >> 4)), b0, b1, b2, b3);
            mma16816<BF16>(c[2 * j2], a[st], b0, b1);
            mma16816<BF16>(c[2 * j2 + 1], a[st], b2, b3);
        }
    }
}

// An accumulator tile (16 × N) as A fragments: (rows g, k lo), (rows g+8, k lo), (rows g, k hi), (rows g+8, k hi).
template <int N, bool BF16>
__device__ __forceinline__ void to_a(u32 (*a)[4], const float (*c)[4]) {
#pragma unroll
    for (int j = 0; j < N / 8; j++) {
        a[j >> 1][(j & 1) * 2 + 0] = pack2(c[j][0], c[j][1], BF16 ? DT_BF16 : DT_F16);
        a[j >> 1][(j & 1) * 2 + 1] = pack2(c[j][2], c[j][3], BF16 ? DT_BF16 : DT_F16);
    }
}

// Rows [r0, r0 + 16) of a warp's fp32 accumulator (16 × D), times mul, into dense out [.., D]; rows at or past L
// are dropped.
template <int D>
__device__ __forceinline__ void store_rows(float* out, const float (*c)[4], int r0, int L, float mul, int lane) {
    const int g = lane >> 2, t = lane & 3;
    const int ra = r0 + g, rb = ra + 8;
#pragma unroll
    for (int j = 0; j < D / 8; j++) {
        int col = 8 * j + 2 * t;
        if (ra < L) *(F2*)(out + (i64)ra * D + col) = F2{c[j][0] * mul, c[j][1] * mul};
        if (rb < L) *(F2*)(out + (i64)rb * D + col) = F2{c[j][2] * mul, c[j][3] * mul};
    }
}

// ---------------------------------------------------------------- log-sum-exp and Δ

template <int D, bool BF16>
__device__ __forceinline__ void bwd_prep(const u16* q, const u16* k, const u16* o, const u16* dout, float* lse, float* delta, i64 qb,
                                         i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 ob, i64 oh, i64 ol, i64 gb, i64 gh, i64 gl, int H,
                                         int Lq, int Lk, float scale_log2) {
    constexpr int RB = D * 2;
    extern __shared__ unsigned char smem[];  // the dynamic block starts 1024-byte aligned
    const u32 sQ = smem_u32(smem);
    const u32 sK = sQ + FA_BM * RB;  // two buffers of FA_BN rows

    const int b = blockIdx.z, h = blockIdx.y, m0 = blockIdx.x * FA_BM;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const u16* qp = q + b * qb + h * qh;
    const u16* kp = k + b * kb + h * kh;
    load_tile<D, FA_BM>(sQ, qp, ql, m0, Lq);
    load_tile<D, FA_BN>(sK, kp, kl, 0, Lk);
    cp_commit();

    // Δ = rowsum(dO ⊙ O), a warp per row, while the first tiles load
    const i64 row0 = ((i64)b * H + h) * Lq;
    const u16* op = o + b * ob + h * oh;
    const u16* gp = dout + b * gb + h * gh;
    for (int r = warp; r < FA_BM; r += FA_WARPS) {
        const int gr = m0 + r;
        if (gr >= Lq) break;  // uniform in the warp
        float acc = 0.f;
#pragma unroll
        for (int c = 2 * lane; c < D; c += 64) {
            u32 x = *(const u32*)(op + gr * ol + c), y = *(const u32*)(gp + gr * gl + c);
            acc += half_to_f((u16)(x & 0xffff), BF16 ? DT_BF16 : DT_F16) * half_to_f((u16)(y & 0xffff), BF16 ? DT_BF16 : DT_F16);
            acc += half_to_f((u16)(x >> 16), BF16 ? DT_BF16 : DT_F16) * half_to_f((u16)(y >> 16), BF16 ? DT_BF16 : DT_F16);
        }
        acc = warp_sum(acc);
        if (lane == 0) delta[row0 + gr] = acc;
    }

    // online max and sum of 2^(s·scale_log2) over the key tiles; columns past Lk are masked out
    float mrow[2] = {neg_inf(), neg_inf()}, lrow[2] = {0.f, 0.f};
    const int ntiles = (Lk + FA_BN - 1) / FA_BN;
    for (int it = 0; it < ntiles; it++) {
        const int buf = it & 1;
        if (it + 1 < ntiles) load_tile<D, FA_BN>(sK + (buf ^ 1) * FA_BN * RB, kp, kl, (it + 1) * FA_BN, Lk);
        cp_commit();
        cp_wait<1>();
        __syncthreads();
        float s[FA_BN / 8][4];
        mma_abt<D, FA_BN, BF16>(s, sQ, warp * 16, sK + buf * FA_BN * RB, lane);
        float mx0 = mrow[0], mx1 = mrow[1];
        scale_mask_rowmax<FA_BN>(s, it * FA_BN, Lk, scale_log2, lane, mx0, mx1);
        // every tile has a column below Lk, so mx is finite from the first tile on
        lrow[0] *= ex2(mrow[0] - mx0);
        lrow[1] *= ex2(mrow[1] - mx1);
        mrow[0] = mx0;
        mrow[1] = mx1;
#pragma unroll
        for (int j = 0; j < FA_BN / 8; j++) {
            lrow[0] += ex2(s[j][0] - mx0) + ex2(s[j][1] - mx0);
            lrow[1] += ex2(s[j][2] - mx1) + ex2(s[j][3] - mx1);
        }
        __syncthreads();
    }
    cp_wait<0>();

    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 1);
    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 2);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 1);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 2);
    if ((lane & 3) == 0) {
        const int r0 = m0 + warp * 16 + (lane >> 2), r1 = r0 + 8;
        if (r0 < Lq) lse[row0 + r0] = mrow[0] + lg2(lrow[0]);
        if (r1 < Lq) lse[row0 + r1] = mrow[1] + lg2(lrow[1]);
    }
}

// ---------------------------------------------------------------- dK, dV

// The log-sum-exp and Δ of query rows [r0, r0 + BQ) into shared memory; rows at or past Lq get +inf (so P = 0) and 0.
template <int BQ>
__device__ __forceinline__ void load_stats(float* sL, float* sD, const float* lse, const float* delta, int r0, int Lq) {
    if (threadIdx.x < BQ) {
        int r = r0 + threadIdx.x;
        sL[threadIdx.x] = r < Lq ? lse[r] : pos_inf();
        sD[threadIdx.x] = r < Lq ? delta[r] : 0.f;
    }
}

template <int D, int BQ, bool BF16>
__device__ __forceinline__ void bwd_dkdv(const u16* q, const u16* k, const u16* v, const u16* dout, const float* lse, const float* delta,
                                         float* dk, float* dv, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 vb, i64 vh, i64 vl,
                                         i64 gb, i64 gh, i64 gl, int H, int Lq, int Lk, float scale_log2, float scale) {
    constexpr int RB = D * 2;
    extern __shared__ unsigned char smem[];
    const u32 sK = smem_u32(smem);
    const u32 sV = sK + FB_BN * RB;
    const u32 sQ = sV + FB_BN * RB;  // two buffers of BQ rows
    const u32 sG = sQ + 2 * BQ * RB; // dO, two buffers of BQ rows
    float* sL = (float*)(smem + (2 * FB_BN + 4 * BQ) * RB);  // two buffers of BQ log-sum-exps
    float* sD = sL + 2 * BQ;                                 // two buffers of BQ Δs

    const int b = blockIdx.z, h = blockIdx.y, n0 = blockIdx.x * FB_BN;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const u16* qp = q + b * qb + h * qh;
    const u16* kp = k + b * kb + h * kh;
    const u16* vp = v + b * vb + h * vh;
    const u16* gp = dout + b * gb + h * gh;
    const i64 row0 = ((i64)b * H + h) * Lq;
    const float* lp = lse + row0;
    const float* dp = delta + row0;

    load_tile<D, FB_BN>(sK, kp, kl, n0, Lk);
    load_tile<D, FB_BN>(sV, vp, vl, n0, Lk);
    load_tile<D, BQ>(sQ, qp, ql, 0, Lq);
    load_tile<D, BQ>(sG, gp, gl, 0, Lq);
    cp_commit();
    load_stats<BQ>(sL, sD, lp, dp, 0, Lq);

    float adk[D / 8][4], adv[D / 8][4];
#pragma unroll
    for (int j = 0; j < D / 8; j++) {
        adk[j][0] = adk[j][1] = adk[j][2] = adk[j][3] = 0.f;
        adv[j][0] = adv[j][1] = adv[j][2] = adv[j][3] = 0.f;
    }
    // this thread's key rows (accumulator rows g and g+8); a key row past Lk is zero-filled and never stored, and
    // its P is forced to 0 so that nothing overflows in it
    const int g = lane >> 2, t = lane & 3;
    const bool kv0 = n0 + warp * 16 + g < Lk, kv1 = n0 + warp * 16 + g + 8 < Lk;

    const int ntiles = (Lq + BQ - 1) / BQ;
    for (int it = 0; it < ntiles; it++) {
        const int buf = it & 1;
        if (it + 1 < ntiles) {
            load_tile<D, BQ>(sQ + (buf ^ 1) * BQ * RB, qp, ql, (it + 1) * BQ, Lq);
            load_tile<D, BQ>(sG + (buf ^ 1) * BQ * RB, gp, gl, (it + 1) * BQ, Lq);
            load_stats<BQ>(sL + (buf ^ 1) * BQ, sD + (buf ^ 1) * BQ, lp, dp, (it + 1) * BQ, Lq);
        }
        cp_commit();
        cp_wait<1>();
        __syncthreads();
        const u32 tQ = sQ + buf * BQ * RB, tG = sG + buf * BQ * RB;
        const float* tL = sL + buf * BQ;
        const float* tD = sD + buf * BQ;

        // Pᵀ = 2^(k·qᵀ·scale_log2 − lse2) for this warp's 16 key rows × the tile's BQ query columns
        float s[BQ / 8][4];
        mma_abt<D, BQ, BF16>(s, sK, warp * 16, tQ, lane);
#pragma unroll
        for (int j = 0; j < BQ / 8; j++) {
            const float l0 = tL[8 * j + 2 * t], l1 = tL[8 * j + 2 * t + 1];
            s[j][0] = kv0 ? ex2(s[j][0] * scale_log2 - l0) : 0.f;
            s[j][1] = kv0 ? ex2(s[j][1] * scale_log2 - l1) : 0.f;
            s[j][2] = kv1 ? ex2(s[j][2] * scale_log2 - l0) : 0.f;
            s[j][3] = kv1 ? ex2(s[j][3] * scale_log2 - l1) : 0.f;
        }
        u32 pa[BQ / 16][4];
        // dV += Pᵀ·dO
        to_a<BQ, BF16>(pa, s);
        mma_ab<D, BQ, BF16>(adv, pa, tG, lane);

        // dPᵀ = v·dOᵀ, then dSᵀ = Pᵀ ⊙ (dPᵀ − Δ) with Δ per query column
        float dpt[BQ / 8][4];
        mma_abt<D, BQ, BF16>(dpt, sV, warp * 16, tG, lane);
#pragma unroll
        for (int j = 0; j < BQ / 8; j++) {
            const float d0 = tD[8 * j + 2 * t], d1 = tD[8 * j + 2 * t + 1];
            s[j][0] *= dpt[j][0] - d0;
            s[j][1] *= dpt[j][1] - d1;
            s[j][2] *= dpt[j][2] - d0;
            s[j][3] *= dpt[j][3] - d1;
        }
        // dK += dSᵀ·q (times scale at the end)
        to_a<BQ, BF16>(pa, s);
        mma_ab<D, BQ, BF16>(adk, pa, tQ, lane);
        __syncthreads();
    }
    cp_wait<0>();

    const i64 out0 = ((i64)b * H + h) * Lk * D;
    store_rows<D>(dk + out0, adk, n0 + warp * 16, Lk, scale, lane);
    store_rows<D>(dv + out0, adv, n0 + warp * 16, Lk, 1.f, lane);
}

// ---------------------------------------------------------------- dQ

template <int D, bool BF16>
__device__ __forceinline__ void bwd_dq(const u16* q, const u16* k, const u16* v, const u16* dout, const float* lse, const float* delta,
                                       float* dq, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 vb, i64 vh, i64 vl, i64 gb, i64 gh,
                                       i64 gl, int H, int Lq, int Lk, float scale_log2, float scale) {
    constexpr int RB = D * 2;
    extern __shared__ unsigned char smem[];
    const u32 sQ = smem_u32(smem);
    const u32 sG = sQ + FA_BM * RB;      // dO
    const u32 sK = sG + FA_BM * RB;      // two buffers of FA_BN rows
    const u32 sV = sK + 2 * FA_BN * RB;  // two buffers of FA_BN rows

    const int b = blockIdx.z, h = blockIdx.y, m0 = blockIdx.x * FA_BM;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const u16* qp = q + b * qb + h * qh;
    const u16* kp = k + b * kb + h * kh;
    const u16* vp = v + b * vb + h * vh;
    const u16* gp = dout + b * gb + h * gh;

    load_tile<D, FA_BM>(sQ, qp, ql, m0, Lq);
    load_tile<D, FA_BM>(sG, gp, gl, m0, Lq);
    load_tile<D, FA_BN>(sK, kp, kl, 0, Lk);
    load_tile<D, FA_BN>(sV, vp, vl, 0, Lk);
    cp_commit();

    // this thread's query rows (accumulator rows g and g+8): a row past Lq gets P = 0 and is never stored
    const int g = lane >> 2, t = lane & 3;
    const int r0 = m0 + warp * 16 + g, r1 = r0 + 8;
    const i64 row0 = ((i64)b * H + h) * Lq;
    const float l0 = r0 < Lq ? lse[row0 + r0] : pos_inf(), l1 = r1 < Lq ? lse[row0 + r1] : pos_inf();
    const float d0 = r0 < Lq ? delta[row0 + r0] : 0.f, d1 = r1 < Lq ? delta[row0 + r1] : 0.f;

    float adq[D / 8][4];
#pragma unroll
    for (int j = 0; j < D / 8; j++) adq[j][0] = adq[j][1] = adq[j][2] = adq[j][3] = 0.f;

    const int ntiles = (Lk + FA_BN - 1) / FA_BN;
    for (int it = 0; it < ntiles; it++) {
        const int buf = it & 1;
        if (it + 1 < ntiles) {
            load_tile<D, FA_BN>(sK + (buf ^ 1) * FA_BN * RB, kp, kl, (it + 1) * FA_BN, Lk);
            load_tile<D, FA_BN>(sV + (buf ^ 1) * FA_BN * RB, vp, vl, (it + 1) * FA_BN, Lk);
        }
        cp_commit();
        cp_wait<1>();
        __syncthreads();
        const u32 tK = sK + buf * FA_BN * RB, tV = sV + buf * FA_BN * RB;

        // P = 2^(q·kᵀ·scale_log2 − lse2); columns past Lk get 0
        float s[FA_BN / 8][4];
        mma_abt<D, FA_BN, BF16>(s, sQ, warp * 16, tK, lane);
        const int n0 = it * FA_BN;
        const bool edge = n0 + FA_BN > Lk;
#pragma unroll
        for (int j = 0; j < FA_BN / 8; j++) {
#pragma unroll
            for (int e = 0; e < 4; e++) {
                float p = ex2(s[j][e] * scale_log2 - (e < 2 ? l0 : l1));
                if (edge && n0 + 8 * j + 2 * t + (e & 1) >= Lk) p = 0.f;
                s[j][e] = p;
            }
        }
        // dP = dO·vᵀ, dS = P ⊙ (dP − Δ)
        float dpm[FA_BN / 8][4];
        mma_abt<D, FA_BN, BF16>(dpm, sG, warp * 16, tV, lane);
#pragma unroll
        for (int j = 0; j < FA_BN / 8; j++) {
            s[j][0] *= dpm[j][0] - d0;
            s[j][1] *= dpm[j][1] - d0;
            s[j][2] *= dpm[j][2] - d1;
            s[j][3] *= dpm[j][3] - d1;
        }
        // dQ += dS·k (times scale at the end)
        u32 da[FA_BN / 16][4];
        to_a<FA_BN, BF16>(da, s);
        mma_ab<D, FA_BN, BF16>(adq, da, tK, lane);
        __syncthreads();
    }
    cp_wait<0>();

    store_rows<D>(dq + ((i64)b * H + h) * Lq * D, adq, m0 + warp * 16, Lq, scale, lane);
}

// ---------------------------------------------------------------- entry points

#define BWD_ENTRIES(SUFFIX, D, BQ, BF16)                                                                                             \
    extern "C" __global__ void __launch_bounds__(FA_WARPS * 32, 1)                                                                  \
        attn_bwd_prep_##SUFFIX(const u16* q, const u16* k, const u16* o, const u16* dout, float* lse, float* delta, i64 qb, i64 qh,  \
                               i64 ql, i64 kb, i64 kh, i64 kl, i64 ob, i64 oh, i64 ol, i64 gb, i64 gh, i64 gl, int H, int Lq, int Lk, \
                               float scale_log2) {                                                                                  \
        bwd_prep<D, BF16>(q, k, o, dout, lse, delta, qb, qh, ql, kb, kh, kl, ob, oh, ol, gb, gh, gl, H, Lq, Lk, scale_log2);         \
    }                                                                                                                                \
    extern "C" __global__ void __launch_bounds__(FA_WARPS * 32, 1)                                                                  \
        attn_bwd_dkdv_##SUFFIX(const u16* q, const u16* k, const u16* v, const u16* dout, const float* lse, const float* delta,     \
                               float* dk, float* dv, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 vb, i64 vh, i64 vl, i64 gb,  \
                               i64 gh, i64 gl, int H, int Lq, int Lk, float scale_log2, float scale) {                              \
        bwd_dkdv<D, BQ, BF16>(q, k, v, dout, lse, delta, dk, dv, qb, qh, ql, kb, kh, kl, vb, vh, vl, gb, gh, gl, H, Lq, Lk,           \
                              scale_log2, scale);                                                                                   \
    }                                                                                                                                \
    extern "C" __global__ void __launch_bounds__(FA_WARPS * 32, 1)                                                                  \
        attn_bwd_dq_##SUFFIX(const u16* q, const u16* k, const u16* v, const u16* dout, const float* lse, const float* delta,       \
                             float* dq, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 vb, i64 vh, i64 vl, i64 gb, i64 gh,     \
                             i64 gl, int H, int Lq, int Lk, float scale_log2, float scale) {                                        \
        bwd_dq<D, BF16>(q, k, v, dout, lse, delta, dq, qb, qh, ql, kb, kh, kl, vb, vh, vl, gb, gh, gl, H, Lq, Lk, scale_log2, scale); \
    }

// shared memory (CudaAttentionBackward sizes it the same way): prep (FA_BM + 2·FA_BN)·D·2 bytes, dkdv
// (2·FB_BN + 4·BQ)·D·2 + 16·BQ, dq (2·FA_BM + 4·FA_BN)·D·2
BWD_ENTRIES(bf16_d128, 128, 32, true)
BWD_ENTRIES(bf16_d64, 64, 64, true)
BWD_ENTRIES(f16_d128, 128, 32, false)
BWD_ENTRIES(f16_d64, 64, 64, false)
