// Pointwise kernels over strided operands sharing one (coalesced) shape. Operand 0 is the output.
// With vec != 0 every thread handles 8 consecutive elements of the innermost dim (16-byte accesses;
// the host checked sizes, strides and alignment), otherwise one element at a time.
#include "common.cuh"

// Op codes (dev.reel.cuda.KernelAbi, checked against this file by KernelAbiTest): Backend.Unary, plus IDENTITY
// for casts, copies and affine maps
#define U_SILU 0
#define U_GELU_TANH 1
#define U_GELU_ERF 2
#define U_RELU 3
#define U_EXP 4
#define U_NEG 5
#define U_SQRT 6
#define U_RSQRT 7
#define U_TANH 8
#define U_SIGMOID 9
#define U_ABS 10
#define U_SIN 11
#define U_COS 12
#define U_SQUARE 13
#define U_IDENTITY 100
#define U_CLAMP 101   // min(max(x, alpha), beta)

#define B_ADD 0
#define B_SUB 1
#define B_MUL 2
#define B_DIV 3

#define T_MODULATE 0   // a * (1 + b) + c
#define T_GATED 1      // a + b * c

__device__ __forceinline__ float unary_op(int op, float x) {
    switch (op) {
        case U_SILU: return x / (1.f + expf(-x));
        case U_GELU_TANH: {
            float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
            return 0.5f * x * (1.f + tanhf(u));
        }
        case U_GELU_ERF: return 0.5f * x * (1.f + erff(x * 0.7071067811865476f));
        case U_RELU: return x > 0.f ? x : 0.f;
        case U_EXP: return expf(x);
        case U_NEG: return -x;
        case U_SQRT: return sqrtf(x);
        case U_RSQRT: return rsqrtf(x);
        case U_TANH: return tanhf(x);
        case U_SIGMOID: return 1.f / (1.f + expf(-x));
        case U_ABS: return fabsf(x);
        case U_SIN: return sinf(x);
        case U_COS: return cosf(x);
        case U_SQUARE: return x * x;
        default: return x;
    }
}

__device__ __forceinline__ float binary_op(int op, float a, float b) {
    switch (op) {
        case B_ADD: return a + b;
        case B_SUB: return a - b;
        case B_MUL: return a * b;
        default: return a / b;
    }
}

__device__ __forceinline__ float ternary_op(int op, float a, float b, float c) {
    return op == T_MODULATE ? fmaf(a, 1.f + b, c) : fmaf(b, c, a);
}

template <int N, typename F>
__device__ __forceinline__ void ew_body(i64 n, const Shape& s, const Ops<N>& ops, int vec, F f) {
    i64 stride = (i64)gridDim.x * blockDim.x;
    i64 first = (i64)blockIdx.x * blockDim.x + threadIdx.x;
    bool small = n < 2147483647LL;
    if (vec) {
        i64 nv = n >> 3;
        for (i64 v = first; v < nv; v += stride) {
            i64 off[N];
            if (small) offsets<u32, N>((u32)(v << 3), s, ops, off);
            else offsets<u64, N>((u64)(v << 3), s, ops, off);
            float x[N > 1 ? N - 1 : 1][8];
#pragma unroll
            for (int k = 1; k < N; k++) {
                // the innermost stride is 0 (broadcast) or 1 (vector load)
                i64 inner = 0;
#pragma unroll
                for (int d = 0; d < MAXR; d++) if (d == s.rank - 1) inner = ops.o[k].st[d];
                load8(ops.o[k].p, ops.o[k].dt, off[k], inner, x[k - 1]);
            }
            float y[8];
#pragma unroll
            for (int j = 0; j < 8; j++) {
                float in[N > 1 ? N - 1 : 1];
#pragma unroll
                for (int k = 0; k < N - 1; k++) in[k] = x[k][j];
                y[j] = f(in);
            }
            store8((void*)ops.o[0].p, ops.o[0].dt, off[0], y);
        }
    } else {
        for (i64 e = first; e < n; e += stride) {
            i64 off[N];
            if (small) offsets<u32, N>((u32)e, s, ops, off);
            else offsets<u64, N>((u64)e, s, ops, off);
            float in[N > 1 ? N - 1 : 1];
#pragma unroll
            for (int k = 1; k < N; k++) in[k - 1] = load_f(ops.o[k].p, ops.o[k].dt, off[k]);
            store_f((void*)ops.o[0].p, ops.o[0].dt, off[0], f(in));
        }
    }
}

// out = unary(op, in) * alpha + beta (for U_CLAMP: in clamped to [alpha, beta]); ops = {out, in}
extern "C" __global__ void ew_unary(i64 n, Shape s, Ops<2> ops, int op, float alpha, float beta, int vec) {
    ew_body<2>(n, s, ops, vec, [=](const float* x) {
        return op == U_CLAMP ? fminf(fmaxf(x[0], alpha), beta) : unary_op(op, x[0]) * alpha + beta;
    });
}

// ops = {out, a, b}
extern "C" __global__ void ew_binary(i64 n, Shape s, Ops<3> ops, int op, int vec) {
    ew_body<3>(n, s, ops, vec, [=](const float* x) { return binary_op(op, x[0], x[1]); });
}

// ops = {out, a, b, c}
extern "C" __global__ void ew_ternary(i64 n, Shape s, Ops<4> ops, int op, int vec) {
    ew_body<4>(n, s, ops, vec, [=](const float* x) { return ternary_op(op, x[0], x[1], x[2]); });
}

// The tanh-GELU's backward, dx = g·gelu_tanh'(x) with t = tanh(c(x + k x³)): gelu_tanh'(x) = ½(1 + t) + ½x(1 − t²)·c(1 + 3k x²),
// c = √(2/π), k = 0.044715; ops = {dx, x, g}
extern "C" __global__ void ew_gelu_tanh_bwd(i64 n, Shape s, Ops<3> ops, int vec) {
    ew_body<3>(n, s, ops, vec, [=](const float* v) {
        const float c = 0.7978845608028654f, k = 0.044715f;
        float x = v[0], x2 = x * x;
        float t = tanhf(c * x * fmaf(k, x2, 1.f));
        float d = 0.5f * (1.f + t) + 0.5f * c * x * (1.f - t * t) * fmaf(3.f * k, x2, 1.f);
        return v[1] * d;
    });
}

// Same-dtype strided copy of raw elements (any dtype, exact for integers); ops = {out, in}.
extern "C" __global__ void ew_copy_raw(i64 n, Shape s, Ops<2> ops, int bytes) {
    bool small = n < 2147483647LL;
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (i64)gridDim.x * blockDim.x) {
        i64 off[2];
        if (small) offsets<u32, 2>((u32)e, s, ops, off);
        else offsets<u64, 2>((u64)e, s, ops, off);
        void* o = (void*)ops.o[0].p;
        const void* i = ops.o[1].p;
        switch (bytes) {
            case 8: ((i64*)o)[off[0]] = ((const i64*)i)[off[1]]; break;
            case 4: ((u32*)o)[off[0]] = ((const u32*)i)[off[1]]; break;
            case 2: ((u16*)o)[off[0]] = ((const u16*)i)[off[1]]; break;
            default: ((unsigned char*)o)[off[0]] = ((const unsigned char*)i)[off[1]]; break;
        }
    }
}

// Fills n contiguous elements with value.
extern "C" __global__ void ew_fill(i64 n, void* out, int dt, float value) {
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (i64)gridDim.x * blockDim.x) store_f(out, dt, e, value);
}

// Fills n contiguous elements with dev.reel.core.SeededUniform's values: element e is offset plus the (e+1)-th
// SplittableRandom(seed).nextDouble(lo, hi) (SplitMix64 of seed + (e+1)·γ), rounded to float, then to dt. Every
// double op is an explicitly rounded intrinsic, so no FMA contraction makes it differ from the JVM's arithmetic.
extern "C" __global__ void ew_uniform(i64 n, void* out, int dt, u64 seed, double lo, double hi, double offset) {
    const double span = __dadd_rn(hi, -lo);
    const double unit = __longlong_as_double(0x3CA0000000000000LL);   // 2^-53
    // Math.nextDown(hi): the largest double below the exclusive bound
    const i64 hb = __double_as_longlong(hi);
    const double below = hi > 0.0 ? __longlong_as_double(hb - 1) : hi < 0.0 ? __longlong_as_double(hb + 1) : -__longlong_as_double(1LL);
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < n; e += (i64)gridDim.x * blockDim.x) {
        u64 z = seed + (u64)(e + 1) * 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        z ^= z >> 31;
        double r = __dadd_rn(__dmul_rn(__dmul_rn((double)(z >> 11), unit), span), lo);
        if (r >= hi) r = below;
        store_f(out, dt, e, __double2float_rn(__dadd_rn(offset, r)));
    }
}
