// Tensor-core building blocks shared by the flash attention kernels (attention.cu, attention_bwd.cu): cp.async
// copies into XOR-swizzled shared tiles, ldmatrix loads, mma.sync m16n8k16 (bf16/f16 in, fp32 accumulation).
#pragma once
#include "common.cuh"

#define FA_BM 128
#define FA_BN 64
#define FA_WARPS 8

__device__ __forceinline__ u32 smem_u32(const void* p) {
    u32 r;
    asm("{ .reg .u64 a; cvta.to.shared.u64 a, %1; cvt.u32.u64 %0, a; }" : "=r"(r) : "l"(p));
    return r;
}

__device__ __forceinline__ void cp_async16(u32 dst, const void* src, int bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(src), "r"(bytes));
}
__device__ __forceinline__ void cp_commit() { asm volatile("cp.async.commit_group;"); }
template <int N>
__device__ __forceinline__ void cp_wait() { asm volatile("cp.async.wait_group %0;" ::"n"(N)); }

__device__ __forceinline__ void ldsm_x4(u32 addr, u32& r0, u32& r1, u32& r2, u32& r3) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}
__device__ __forceinline__ void ldsm_x4_t(u32 addr, u32& r0, u32& r1, u32& r2, u32& r3) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r0), "=r"(r1), "=r"(r2), "=r"(r3) : "r"(addr));
}

template <bool BF16>
__device__ __forceinline__ void mma16816(float* c, const u32* a, u32 b0, u32 b1) {
    if (BF16) {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    } else {
        asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
                     : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                     : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
    }
}

__device__ __forceinline__ float ex2(float x) {
    float r;
    asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(r) : "f"(x));
    return r;
}

// byte offset of 16-byte chunk c of row r in a swizzled tile whose rows are RB bytes long
template <int RB>
__device__ __forceinline__ u32 swz(int r, int c) {
    return (u32)(r * RB + ((c ^ (r & 7)) << 4));
}

// Copies rows [r0, r0 + ROWS) of a [L, D] matrix (row stride ld elements) into a swizzled tile; rows at or
// past L are zero-filled.
template <int D, int ROWS>
__device__ __forceinline__ void load_tile(u32 tile, const u16* src, i64 ld, int r0, int L) {
    constexpr int CPR = D / 8;
    for (int i = threadIdx.x; i < ROWS * CPR; i += FA_WARPS * 32) {
        int r = i / CPR, c = i % CPR;
        int gr = r0 + r;
        bool ok = gr < L;
        const u16* p = ok ? src + (i64)gr * ld + c * 8 : src;
        cp_async16(tile + swz<D * 2>(r, c), p, ok ? 16 : 0);
    }
}

// One step of the online softmax's row maxima over a 16×BN score fragment: scales the scores to base 2, masks the
// columns at and past Lk (n0 is the tile's first column) to -inf, and folds the tile's maxima of the two rows this
// thread holds into mx0/mx1, reduced over the four threads that share a row.
template <int BN>
__device__ __forceinline__ void scale_mask_rowmax(float (&s)[BN / 8][4], int n0, int Lk, float scale_log2, int lane, float& mx0, float& mx1) {
    const bool edge = n0 + BN > Lk;
#pragma unroll
    for (int j = 0; j < BN / 8; j++) {
#pragma unroll
        for (int e = 0; e < 4; e++) {
            float t = s[j][e] * scale_log2;
            if (edge && n0 + 8 * j + 2 * (lane & 3) + (e & 1) >= Lk) t = neg_inf();
            s[j][e] = t;
        }
        mx0 = fmaxf(mx0, fmaxf(s[j][0], s[j][1]));
        mx1 = fmaxf(mx1, fmaxf(s[j][2], s[j][3]));
    }
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 1));
    mx0 = fmaxf(mx0, __shfl_xor_sync(0xffffffffu, mx0, 2));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 1));
    mx1 = fmaxf(mx1, __shfl_xor_sync(0xffffffffu, mx1, 2));
}
