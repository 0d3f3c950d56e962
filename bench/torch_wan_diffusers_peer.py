"""PyTorch peer for the Wan family's DiT forwards at native size: Diffusers' own WanTransformer3DModel (not a
port), random weights from a config, bf16 on CUDA, timed like ../shared/bench/torch_wan_dit.py. It covers what that
plain port does not: the I2V image branch (image states, 36 input channels, FLF2V's pos_embed), Wan2.2 TI2V's
per-token timesteps (expand_timesteps) and its x16 VAE, and an A14B expert.

  PYTHONPATH=<diffusers>/src python3 torch_wan_diffusers_peer.py --config CFG/transformer/config.json \
      --frames 81 --height 480 --width 832 [--vae-spatial 8|16] [--image-tokens 257] [--per-token-timesteps] [--reps 5]
  # a check against the Diffusers fixture of a set (CPU, fp32): the same class, the set's weights and inputs
  PYTHONPATH=<diffusers>/src python3 torch_wan_diffusers_peer.py --check testdata/wan21-i2v-tiny
  PYTHONPATH=<diffusers>/src python3 torch_wan_diffusers_peer.py --check testdata/wan22-a14b-tiny --case transformer_2 --component transformer_2

Diffusers is not installed on the GPU machine; bench/slim-diffusers.sh packs the needed part of its source.
Prints one JSON line.
"""
import argparse, json, math, os
import torch
from diffusers.models.transformers.transformer_wan import WanTransformer3DModel


def inputs(cfg, frames, height, width, vae_spatial, image_tokens, per_token, text_len, dev, dtype):
    p = cfg["patch_size"]
    lt, lh, lw = (frames - 1) // 4 + 1, height // vae_spatial, width // vae_spatial
    x = torch.randn(1, cfg["in_channels"], lt, lh, lw, device=dev, dtype=dtype)
    ctx = torch.randn(1, text_len, cfg["text_dim"], device=dev, dtype=dtype)
    tokens = lt * (lh // p[1]) * (lw // p[2])
    t = torch.full((1, tokens), 500.0, device=dev) if per_token else torch.tensor([500.0], device=dev)
    img = None
    if cfg.get("image_dim"):
        img = torch.randn(1, image_tokens, cfg["image_dim"], device=dev, dtype=dtype)
    return x, t, ctx, img, tokens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config"); ap.add_argument("--check")
    ap.add_argument("--case", default="transformer", help="with --check: the case file (transformer, transformer_expanded, transformer_2)")
    ap.add_argument("--component", default="transformer", help="with --check: the pipeline folder it runs (transformer, transformer_2)")
    ap.add_argument("--frames", type=int, default=81); ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--width", type=int, default=832); ap.add_argument("--text-len", type=int, default=512)
    ap.add_argument("--vae-spatial", type=int, default=8, help="pixels per latent pixel (Wan2.1 8, Wan2.2 TI2V 16)")
    ap.add_argument("--image-tokens", type=int, default=257, help="CLIP image states (ViT-H/14: 257; FLF2V: 2 x 257)")
    ap.add_argument("--per-token-timesteps", action="store_true", help="Wan2.2 TI2V's expand_timesteps form")
    ap.add_argument("--reps", type=int, default=5); ap.add_argument("--warmup", type=int, default=2)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    if a.check:
        from safetensors.torch import load_file
        d = os.path.join(a.check, "pipeline", a.component)
        m = WanTransformer3DModel.from_config(json.load(open(os.path.join(d, "config.json")))).float().eval()
        m.load_state_dict(load_file(os.path.join(d, "diffusion_pytorch_model.safetensors")), strict=True)   # no accelerate needed
        c = load_file(os.path.join(a.check, a.case + ".safetensors"))
        kw = {}
        if "encoder_hidden_states_image" in c:
            kw["encoder_hidden_states_image"] = c["encoder_hidden_states_image"]
        y = m(c["hidden_states"], c["timestep"], c["encoder_hidden_states"], return_dict=False, **kw)[0]
        err = ((y - c["sample"]).norm() / c["sample"].norm()).item()
        print(json.dumps(dict(check="diffusers-wan-peer-vs-fixture", set=a.check, case=a.case, rel_err=err, ok=err < 1e-5)))
        return
    cfg = json.load(open(a.config))
    dev, dtype = "cuda", torch.bfloat16
    with torch.device(dev):
        m = WanTransformer3DModel.from_config(cfg).to(dtype).eval()
    x, t, ctx, img, tokens = inputs(cfg, a.frames, a.height, a.width, a.vae_spatial, a.image_tokens, a.per_token_timesteps,
                                    a.text_len, dev, dtype)
    kw = {} if img is None else {"encoder_hidden_states_image": img}
    fn = lambda: m(x, t, ctx, return_dict=False, **kw)[0]
    for _ in range(a.warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    ts = []
    for _ in range(a.reps):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record(); fn(); e1.record(); torch.cuda.synchronize()
        ts.append(e0.elapsed_time(e1))
    ts.sort()
    print(json.dumps(dict(bench="diffusers-wan-forward", config=a.config, frames=a.frames, height=a.height, width=a.width,
                          tokens=tokens, image_tokens=0 if img is None else a.image_tokens, per_token=a.per_token_timesteps,
                          ms_median=ts[len(ts) // 2], ms_min=ts[0], ms_max=ts[-1],
                          peak_gib=torch.cuda.max_memory_allocated() / 2**30,
                          params=sum(p.numel() for p in m.parameters()),
                          gpu=torch.cuda.get_device_name(), torch=torch.__version__)))


if __name__ == "__main__":
    main()
