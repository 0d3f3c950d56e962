// Rotary embedding, embedding gather and the im2col lowering of convolutions.
#include "common.cuh"

// Interleaved-pair RoPE (Wan/Diffusers): x [B, L, H, D] with strides (sb, sl, sh) and unit stride in D;
// cos/sin [L, D/2] contiguous; out contiguous [B, L, H, D]. Computed in fp32.
extern "C" __global__ void rope_interleaved(const void* x, int xdt, i64 sb, i64 sl, i64 sh, const void* cs, const void* sn, int cdt,
                                            void* out, int odt, int B, int L, int H, int D) {
    int half = D / 2;
    i64 total = (i64)B * L * H * half;
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < total; e += (i64)gridDim.x * blockDim.x) {
        int i = (int)(e % half);
        i64 r = e / half;
        int h = (int)(r % H);
        r /= H;
        int l = (int)(r % L);
        int b = (int)(r / L);
        i64 xo = b * sb + l * sl + h * sh + 2 * i;
        float x0 = load_f(x, xdt, xo), x1 = load_f(x, xdt, xo + 1);
        float c = load_f(cs, cdt, (i64)l * half + i), s = load_f(sn, cdt, (i64)l * half + i);
        i64 oo = e * 2;
        store_f(out, odt, oo, x0 * c - x1 * s);
        store_f(out, odt, oo + 1, x0 * s + x1 * c);
    }
}

// RoPE for contiguous x [B, L, H, D] (D % 8 == 0, 16-byte aligned, bf16/f16/f32) with fp32 cos/sin: each thread
// rotates 4 pairs with 16-byte loads and stores.
extern "C" __global__ void rope_interleaved_vec(const void* x, int xdt, const float* cs, const float* sn, void* out, int odt, int L, int H,
                                                int D, i64 total8) {
    int half = D / 2, c8 = D / 8;
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < total8; e += (i64)gridDim.x * blockDim.x) {
        int c = (int)(e % c8);
        i64 row = e / c8;                      // (b, l, h)
        int l = (int)((row / H) % L);
        float v[8], y[8];
        load8(x, xdt, e * 8, 1, v);
        const float* cp = cs + (i64)l * half + c * 4;
        const float* sp = sn + (i64)l * half + c * 4;
#pragma unroll
        for (int k = 0; k < 4; k++) {
            float co = cp[k], si = sp[k];
            y[2 * k] = v[2 * k] * co - v[2 * k + 1] * si;
            y[2 * k + 1] = v[2 * k] * si + v[2 * k + 1] * co;
        }
        store8(out, odt, e * 8, y);
    }
}

// out[n, :] = weight[ids[n], :] for n < N; weight [V, D] contiguous (ids were range-checked on the host).
extern "C" __global__ void embedding_gather(const void* w, int wdt, const int* ids, void* out, int odt, i64 N, int D) {
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < N * D; e += (i64)gridDim.x * blockDim.x) {
        i64 n = e / D;
        int d = (int)(e - n * D);
        store_f(out, odt, e, load_f(w, wdt, (i64)ids[n] * D + d));
    }
}

// im2col for a 3-D convolution of one batch element x [Cin, T, H, W] (contiguous): writes the columns of
// output positions [p0, p0 + np) as col [Cin*kt*kh*kw, np] (row-major), zero outside the input.
extern "C" __global__ void im2col3d(const void* x, int xdt, void* col, int cdt, int Cin, int T, int H, int W, int kt, int kh, int kw,
                                    int st, int sh, int sw, int pt, int ph, int pw, int To, int Ho, int Wo, i64 p0, i64 np) {
    i64 K = (i64)Cin * kt * kh * kw;
    for (i64 e = (i64)blockIdx.x * blockDim.x + threadIdx.x; e < K * np; e += (i64)gridDim.x * blockDim.x) {
        i64 r = e / np;
        i64 p = p0 + (e - r * np);
        int dw = (int)(r % kw);
        i64 q = r / kw;
        int dh = (int)(q % kh);
        q /= kh;
        int dt = (int)(q % kt);
        int ci = (int)(q / kt);
        int wo = (int)(p % Wo);
        i64 pq = p / Wo;
        int ho = (int)(pq % Ho);
        int to = (int)(pq / Ho);
        int ti = to * st - pt + dt, hi = ho * sh - ph + dh, wi = wo * sw - pw + dw;
        float v = 0.f;
        if (ti >= 0 && ti < T && hi >= 0 && hi < H && wi >= 0 && wi < W) v = load_f(x, xdt, (((i64)ci * T + ti) * H + hi) * W + wi);
        store_f(col, cdt, e, v);
    }
}
