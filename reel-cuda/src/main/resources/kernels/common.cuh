// Shared helpers of Reel's kernels: dtype codes, conversions, strided indexing, block reductions.
// Self-contained (no CUDA headers) so NVRTC compiles it without an include path.
#pragma once

typedef unsigned short u16;
typedef unsigned int u32;
typedef long long i64;
typedef unsigned long long u64;

// dtype codes (dev.reel.cuda.KernelAbi, checked against this file by KernelAbiTest)
#define DT_F32 0
#define DT_BF16 1
#define DT_F16 2
#define DT_F8E4M3 3
#define DT_I64 4
#define DT_I32 5
#define DT_U8 6

#define MAXR 8

// 16-byte vectors (own types: NVRTC compiles without the CUDA headers)
struct alignas(16) V4u { u32 x, y, z, w; };
struct alignas(16) V4f { float x, y, z, w; };

// A shape shared by every operand of an elementwise launch (rank <= MAXR, dims coalesced on the host).
struct Shape {
    int rank;
    int pad;
    i64 size[MAXR];
};

// One operand of an elementwise launch: base pointer (offset applied), dtype and strides in elements.
struct Operand {
    const void* p;
    int dt;
    int pad;
    i64 st[MAXR];
};

__device__ __forceinline__ float neg_inf() { return __int_as_float(0xff800000); }

__device__ __forceinline__ float bf16_to_f(u16 h) { return __uint_as_float(((u32)h) << 16); }

__device__ __forceinline__ u16 f_to_bf16(float f) {
    u16 r;
    asm("cvt.rn.bf16.f32 %0, %1;" : "=h"(r) : "f"(f));
    return r;
}

__device__ __forceinline__ float f16_to_f(u16 h) {
    float r;
    asm("cvt.f32.f16 %0, %1;" : "=f"(r) : "h"(h));
    return r;
}

__device__ __forceinline__ u16 f_to_f16(float f) {
    u16 r;
    asm("cvt.rn.f16.f32 %0, %1;" : "=h"(r) : "f"(f));
    return r;
}

__device__ __forceinline__ float f8e4m3_to_f(unsigned char v) {
    int sign = (v & 0x80) ? -1 : 1;
    int e = (v >> 3) & 0xf, m = v & 7;
    if (e == 0xf && m == 7) return __int_as_float(0x7fc00000);
    if (e == 0) return sign * m * 0.001953125f;  // 2^-9
    return sign * (1.0f + m * 0.125f) * __int_as_float((e - 7 + 127) << 23);
}

// Packs two floats as bf16x2 / f16x2 (low half = a).
__device__ __forceinline__ u32 pack2(float a, float b, int dt) {
    u16 x = dt == DT_BF16 ? f_to_bf16(a) : f_to_f16(a);
    u16 y = dt == DT_BF16 ? f_to_bf16(b) : f_to_f16(b);
    return (u32)x | ((u32)y << 16);
}

__device__ __forceinline__ float half_to_f(u16 h, int dt) { return dt == DT_BF16 ? bf16_to_f(h) : f16_to_f(h); }

__device__ __forceinline__ float load_f(const void* p, int dt, i64 i) {
    switch (dt) {
        case DT_F32: return ((const float*)p)[i];
        case DT_BF16: return bf16_to_f(((const u16*)p)[i]);
        case DT_F16: return f16_to_f(((const u16*)p)[i]);
        case DT_F8E4M3: return f8e4m3_to_f(((const unsigned char*)p)[i]);
        case DT_I64: return (float)((const i64*)p)[i];
        case DT_I32: return (float)((const int*)p)[i];
        default: return (float)((const unsigned char*)p)[i];
    }
}

__device__ __forceinline__ void store_f(void* p, int dt, i64 i, float v) {
    switch (dt) {
        case DT_F32: ((float*)p)[i] = v; break;
        case DT_BF16: ((u16*)p)[i] = f_to_bf16(v); break;
        case DT_F16: ((u16*)p)[i] = f_to_f16(v); break;
        case DT_I64: ((i64*)p)[i] = (i64)v; break;
        case DT_I32: ((int*)p)[i] = (int)v; break;
        default: ((unsigned char*)p)[i] = (unsigned char)(int)v; break;
    }
}

// Eight consecutive elements (stride 1) or one element repeated (stride 0), as floats. The caller
// guarantees 16-byte alignment of stride-1 groups (checked on the host).
__device__ __forceinline__ void load8(const void* p, int dt, i64 off, i64 stride, float* v) {
    if (stride == 0) {
        float x = load_f(p, dt, off);
#pragma unroll
        for (int k = 0; k < 8; k++) v[k] = x;
        return;
    }
    if (dt == DT_F32) {
        const V4f* q = (const V4f*)((const float*)p + off);
        V4f a = q[0], b = q[1];
        v[0] = a.x; v[1] = a.y; v[2] = a.z; v[3] = a.w; v[4] = b.x; v[5] = b.y; v[6] = b.z; v[7] = b.w;
    } else {
        V4u a = *(const V4u*)((const u16*)p + off);
        u32 w[4] = {a.x, a.y, a.z, a.w};
#pragma unroll
        for (int k = 0; k < 4; k++) {
            v[2 * k] = half_to_f((u16)(w[k] & 0xffff), dt);
            v[2 * k + 1] = half_to_f((u16)(w[k] >> 16), dt);
        }
    }
}

__device__ __forceinline__ void store8(void* p, int dt, i64 off, const float* v) {
    if (dt == DT_F32) {
        V4f* q = (V4f*)((float*)p + off);
        q[0] = V4f{v[0], v[1], v[2], v[3]};
        q[1] = V4f{v[4], v[5], v[6], v[7]};
    } else {
        V4u a;
        a.x = pack2(v[0], v[1], dt);
        a.y = pack2(v[2], v[3], dt);
        a.z = pack2(v[4], v[5], dt);
        a.w = pack2(v[6], v[7], dt);
        *(V4u*)((u16*)p + off) = a;
    }
}

// Operands of one elementwise launch, passed by value so every access stays in parameter space.
template <int N>
struct Ops {
    Operand o[N];
};

// Offsets (in elements) of linear index e in the N operands sharing shape s. I is u32 when the element
// count fits, which makes the divisions cheap. Loops are unrolled to MAXR so no array is indexed at run time.
template <typename I, int N>
__device__ __forceinline__ void offsets(I e, const Shape& s, const Ops<N>& ops, i64* off) {
#pragma unroll
    for (int k = 0; k < N; k++) off[k] = 0;
#pragma unroll
    for (int d = MAXR - 1; d >= 0; d--) {
        if (d < s.rank) {
            I sz = (I)s.size[d];
            I q = e / sz;
            I idx = e - q * sz;
            e = q;
#pragma unroll
            for (int k = 0; k < N; k++) off[k] += (i64)idx * ops.o[k].st[d];
        }
    }
}

__device__ __forceinline__ float warp_sum(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
#pragma unroll
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, o));
    return v;
}

// Sum over the block (blockDim.x a multiple of 32, at most 1024); every thread gets the result.
__device__ __forceinline__ float block_sum(float v, float* scratch) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_sum(v);
    __syncthreads();
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : 0.f;
    return warp_sum(t);
}

__device__ __forceinline__ float block_max(float v, float* scratch) {
    int lane = threadIdx.x & 31, w = threadIdx.x >> 5, nw = blockDim.x >> 5;
    v = warp_max(v);
    __syncthreads();
    if (lane == 0) scratch[w] = v;
    __syncthreads();
    float t = lane < nw ? scratch[lane] : neg_inf();
    return warp_max(t);
}
