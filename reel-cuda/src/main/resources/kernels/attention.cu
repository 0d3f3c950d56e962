// Flash attention forward (no bias): softmax(q·kᵀ·scale)·v in tiles, never materialising the scores.
// bf16/f16 operands on the tensor cores (mma.sync m16n8k16, fp32 accumulation), online softmax in fp32.
// A block owns BM = 128 query rows (8 warps × 16 rows); K/V tiles of BN = 64 rows stream through shared
// memory with cp.async, double-buffered. Shared-memory rows are XOR-swizzled in 16-byte chunks so that
// ldmatrix reads are free of bank conflicts.
#include "flash.cuh"

template <int D, bool BF16>
__device__ __forceinline__ void flash_fwd(const u16* q, const u16* k, const u16* v, u16* out, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh,
                                          i64 kl, i64 vb, i64 vh, i64 vl, int H, int Lq, int Lk, float scale_log2) {
    constexpr int RB = D * 2;
    constexpr int KD = D / 16;  // k-steps of q·kᵀ
    constexpr int ND = D / 8;   // n-tiles of p·v
    extern __shared__ unsigned char smem[];  // the dynamic block starts 1024-byte aligned
    const u32 sQ = smem_u32(smem);
    const u32 sK = sQ + FA_BM * RB;
    const u32 sV = sK + 2 * FA_BN * RB;

    const int b = blockIdx.z, h = blockIdx.y, m0 = blockIdx.x * FA_BM;
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31;
    const u16* qp = q + b * qb + h * qh;
    const u16* kp = k + b * kb + h * kh;
    const u16* vp = v + b * vb + h * vh;

    load_tile<D, FA_BM>(sQ, qp, ql, m0, Lq);
    load_tile<D, FA_BN>(sK, kp, kl, 0, Lk);
    load_tile<D, FA_BN>(sV, vp, vl, 0, Lk);
    cp_commit();

    u32 qf[KD][4];
    float o[ND][4];
#pragma unroll
    for (int j = 0; j < ND; j++) o[j][0] = o[j][1] = o[j][2] = o[j][3] = 0.f;
    float mrow[2] = {neg_inf(), neg_inf()}, lrow[2] = {0.f, 0.f};

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
        if (it == 0) {
#pragma unroll
            for (int kk = 0; kk < KD; kk++) {
                int r = warp * 16 + (lane & 7) + 8 * ((lane >> 3) & 1);
                ldsm_x4(sQ + swz<RB>(r, 2 * kk + (lane >> 4)), qf[kk][0], qf[kk][1], qf[kk][2], qf[kk][3]);
            }
        }
        const u32 tK = sK + buf * FA_BN * RB, tV = sV + buf * FA_BN * RB;

        // s = q·kᵀ for this warp's 16 rows and the tile's 64 columns
        float s[FA_BN / 8][4];
#pragma unroll
        for (int j = 0; j < FA_BN / 8; j++) s[j][0] = s[j][1] = s[j][2] = s[j][3] = 0.f;
#pragma unroll
        for (int k2 = 0; k2 < KD / 2; k2++) {
#pragma unroll
            for (int j = 0; j < FA_BN / 8; j++) {
                u32 b0, b1, b2, b3;
                ldsm_x4(tK + swz<RB>(8 * j + (lane & 7), 4 * k2 + (lane >> 3)), b0, b1, b2, b3);
                mma16816<BF16>(s[j], qf[2 * k2], b0, b1);
                mma16816<BF16>(s[j], qf[2 * k2 + 1], b2, b3);
            }
        }

        // online softmax (base 2); columns past Lk are masked out
        float mx0 = mrow[0], mx1 = mrow[1];
        scale_mask_rowmax<FA_BN>(s, it * FA_BN, Lk, scale_log2, lane, mx0, mx1);
        const float c0 = ex2(mrow[0] - mx0), c1 = ex2(mrow[1] - mx1);
        mrow[0] = mx0;
        mrow[1] = mx1;
        lrow[0] *= c0;
        lrow[1] *= c1;
#pragma unroll
        for (int j = 0; j < ND; j++) {
            o[j][0] *= c0; o[j][1] *= c0;
            o[j][2] *= c1; o[j][3] *= c1;
        }
        u32 pa[FA_BN / 16][4];
#pragma unroll
        for (int j = 0; j < FA_BN / 8; j++) {
            float p0 = ex2(s[j][0] - mx0), p1 = ex2(s[j][1] - mx0), p2 = ex2(s[j][2] - mx1), p3 = ex2(s[j][3] - mx1);
            lrow[0] += p0 + p1;
            lrow[1] += p2 + p3;
            pa[j >> 1][(j & 1) * 2 + 0] = pack2(p0, p1, BF16 ? DT_BF16 : DT_F16);
            pa[j >> 1][(j & 1) * 2 + 1] = pack2(p2, p3, BF16 ? DT_BF16 : DT_F16);
        }

        // o += p·v
#pragma unroll
        for (int st = 0; st < FA_BN / 16; st++) {
            // A fragment order: (rows g, k lo), (rows g+8, k lo), (rows g, k hi), (rows g+8, k hi)
            u32 a[4] = {pa[st][0], pa[st][1], pa[st][2], pa[st][3]};
#pragma unroll
            for (int j2 = 0; j2 < ND / 2; j2++) {
                u32 b0, b1, b2, b3;
                ldsm_x4_t(tV + swz<RB>(16 * st + (lane & 7) + 8 * ((lane >> 3) & 1), 2 * j2 + (lane >> 4)), b0, b1, b2, b3);
                mma16816<BF16>(o[2 * j2], a, b0, b1);
                mma16816<BF16>(o[2 * j2 + 1], a, b2, b3);
            }
        }
        __syncthreads();
    }
    cp_wait<0>();

    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 1);
    lrow[0] += __shfl_xor_sync(0xffffffffu, lrow[0], 2);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 1);
    lrow[1] += __shfl_xor_sync(0xffffffffu, lrow[1], 2);
    const float inv0 = 1.f / lrow[0], inv1 = 1.f / lrow[1];
    const int g = lane >> 2, t = lane & 3;
    const int r0 = m0 + warp * 16 + g, r1 = r0 + 8;
    u16* op = out + ((i64)b * H + h) * Lq * D;
#pragma unroll
    for (int j = 0; j < ND; j++) {
        int col = 8 * j + 2 * t;
        if (r0 < Lq) *(u32*)(op + (i64)r0 * D + col) = pack2(o[j][0] * inv0, o[j][1] * inv0, BF16 ? DT_BF16 : DT_F16);
        if (r1 < Lq) *(u32*)(op + (i64)r1 * D + col) = pack2(o[j][2] * inv1, o[j][3] * inv1, BF16 ? DT_BF16 : DT_F16);
    }
}

#define FLASH_ENTRY(NAME, D, BF16)                                                                                              \
    extern "C" __global__ void __launch_bounds__(FA_WARPS * 32, 1)                                                            \
        NAME(const u16* q, const u16* k, const u16* v, u16* out, i64 qb, i64 qh, i64 ql, i64 kb, i64 kh, i64 kl, i64 vb, i64 vh, \
             i64 vl, int H, int Lq, int Lk, float scale_log2) {                                                                \
        flash_fwd<D, BF16>(q, k, v, out, qb, qh, ql, kb, kh, kl, vb, vh, vl, H, Lq, Lk, scale_log2);                           \
    }

FLASH_ENTRY(flash_fwd_bf16_d128, 128, true)
FLASH_ENTRY(flash_fwd_bf16_d64, 64, true)
FLASH_ENTRY(flash_fwd_f16_d128, 128, false)
FLASH_ENTRY(flash_fwd_f16_d64, 64, false)
