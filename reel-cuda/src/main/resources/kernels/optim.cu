// The fused AdamW update of Backend.adamw: one pass over contiguous fp32 parameters, gradients and moments.
#include "common.cuh"

// Each product, sum and quotient is rounded on its own (no FMA contraction, IEEE sqrt and division), in the order of
// the backend's composed default, so the update is bit-identical to the CPU's.
extern "C" __global__ void adamw_f32(i64 n, float* p, const float* g, float* m, float* v, float b1, float b2, float eps, float decay,
                                     float step_size, float inv_bc2, float grad_scale) {
    float c1 = __fsub_rn(1.0f, b1), c2 = __fsub_rn(1.0f, b2);
    for (i64 i = (i64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (i64)gridDim.x * blockDim.x) {
        float gi = __fmul_rn(g[i], grad_scale);   // clipping's coefficient (1: exact)
        float mi = __fadd_rn(__fmul_rn(m[i], b1), __fmul_rn(gi, c1));
        float vi = __fadd_rn(__fmul_rn(v[i], b2), __fmul_rn(__fmul_rn(gi, gi), c2));
        float denom = __fadd_rn(__fmul_rn(__fsqrt_rn(vi), inv_bc2), eps);
        m[i] = mi;
        v[i] = vi;
        p[i] = __fsub_rn(__fmul_rn(p[i], decay), __fmul_rn(__fdiv_rn(mi, denom), step_size));
    }
}
