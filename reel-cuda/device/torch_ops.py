"""PyTorch timings of the ops CudaOpsBench times (one Wan 1.3B block at 32760 tokens), same GPU, same run."""
import json, sys, torch, torch.nn.functional as F
L = int(sys.argv[1]) if len(sys.argv) > 1 else 32760
d, h, hd, ff, lc = 1536, 12, 128, 8960, 512
dev, bf = "cuda", torch.bfloat16
torch.manual_seed(0)
r = lambda *s, dt=bf: torch.randn(*s, device=dev, dtype=dt)
x, w, b, wu, bu, wd = r(L, d), r(d, d), r(d), r(ff, d), r(ff), r(d, ff)
hm, ctx = r(L, ff), r(lc, d)
q, k, v = r(1, L, h, hd), r(1, L, h, hd), r(1, L, h, hd)
kc, vc = r(1, lc, h, hd), r(1, lc, h, hd)
nw = r(d)
def t(fn, n=10):
    for _ in range(3): fn()
    torch.cuda.synchronize(); ts = []
    for _ in range(n):
        a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); fn(); e.record(); torch.cuda.synchronize(); ts.append(a.elapsed_time(e))
    ts.sort(); return ts[len(ts) // 2]
def show(name, ms, flops=None, bytes_=None):
    extra = f"{flops / ms / 1e9:8.1f} TFLOP/s" if flops else f"{bytes_ / ms / 1e6:8.1f} GB/s"
    print(f"torch {name:<40s} {ms:9.3f} ms {extra}", flush=True)
print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version(), torch.cuda.get_device_name())
show("linear q/k/v/o 1536→1536 +bias", t(lambda: F.linear(x, w, b)), flops=2.0 * L * d * d)
show("linear ffn up 1536→8960 +bias", t(lambda: F.linear(x, wu, bu)), flops=2.0 * L * d * ff)
show("linear ffn up +bias+gelu", t(lambda: F.gelu(F.linear(x, wu, bu), approximate="tanh")), flops=2.0 * L * d * ff)
show("linear ffn down 8960→1536", t(lambda: F.linear(hm, wd, b)), flops=2.0 * L * d * ff)
qt, kt, vt = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)
self_f = 4.0 * L * L * hd * h
show("sdpa self (default backend)", t(lambda: F.scaled_dot_product_attention(qt, kt, vt)), flops=self_f)
from torch.nn.attention import sdpa_kernel, SDPBackend
for be in (SDPBackend.FLASH_ATTENTION, SDPBackend.CUDNN_ATTENTION, SDPBackend.EFFICIENT_ATTENTION):
    try:
        with sdpa_kernel([be]):
            show(f"sdpa self {be.name}", t(lambda: F.scaled_dot_product_attention(qt, kt, vt), n=5), flops=self_f)
    except Exception as ex:
        print("torch sdpa", be.name, "unavailable:", str(ex)[:120])
show("sdpa cross Lk=512", t(lambda: F.scaled_dot_product_attention(qt, kc.transpose(1, 2), vc.transpose(1, 2))), flops=4.0 * L * lc * hd * h)
act = L * d * 2
show("layer_norm fp32 stats → bf16", t(lambda: F.layer_norm(x.float(), (d,), eps=1e-6).to(bf)), bytes_=2 * act)
show("rms_norm", t(lambda: F.rms_norm(x, (d,), nw, eps=1e-6)), bytes_=2 * act)
show("gelu tanh [L,8960]", t(lambda: F.gelu(hm, approximate="tanh")), bytes_=2.0 * L * ff * 2)
show("add", t(lambda: x + x), bytes_=3 * act)
show("transpose contiguous", t(lambda: qt.contiguous()), bytes_=2 * act)
