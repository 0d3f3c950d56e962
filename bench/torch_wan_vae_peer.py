"""PyTorch peer for the Wan VAE decode (issue 14, target 3): Diffusers' own AutoencoderKLWan from a config, random
weights, decoding 21 latent frames to 81 × 480 × 832 on CUDA, timed with events like Reel's `bench vae`.

  PYTHONPATH=<diffusers>/src python3 bench/torch_wan_vae_peer.py --config CFG/vae/config.json \
      [--frames 81 --height 480 --width 832] [--dtype fp32|bf16] [--tf32 0|1] [--reps 3]

--tf32 is torch.backends.cudnn.allow_tf32 (PyTorch's default is 1: its fp32 convolutions then run on TF32 tensor
cores, about 10 bits of mantissa); Reel's fp32 is always exact, so 0 is the like-for-like figure. Diffusers is not
installed on the GPU machine; bench/slim-diffusers.sh packs the needed part of its source. Prints one JSON line.
"""
import argparse, json
import torch
from diffusers.models.autoencoders.autoencoder_kl_wan import AutoencoderKLWan


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--frames", type=int, default=81); ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--width", type=int, default=832); ap.add_argument("--dtype", default="fp32", choices=["fp32", "bf16"])
    ap.add_argument("--tf32", type=int, default=0); ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    torch.backends.cudnn.allow_tf32 = bool(a.tf32)
    torch.backends.cuda.matmul.allow_tf32 = bool(a.tf32)
    torch.manual_seed(0)
    dtype = torch.float32 if a.dtype == "fp32" else torch.bfloat16
    cfg = json.load(open(a.config))
    with torch.device("cuda"):
        vae = AutoencoderKLWan.from_config(cfg).to(dtype).eval()
    z = torch.randn(1, cfg["z_dim"], (a.frames - 1) // 4 + 1, a.height // 8, a.width // 8, device="cuda", dtype=dtype)
    fn = lambda: vae.decode(z, return_dict=False)[0]
    for _ in range(a.warmup):
        fn()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    ts = []
    for _ in range(a.reps):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record(); y = fn(); e1.record(); torch.cuda.synchronize()
        ts.append(e0.elapsed_time(e1))
        del y
    ts.sort()
    print(json.dumps(dict(bench="diffusers-wan-vae-decode", frames=a.frames, height=a.height, width=a.width, dtype=a.dtype,
                          tf32=a.tf32, ms_median=ts[len(ts) // 2], ms_min=ts[0], ms_max=ts[-1],
                          peak_gib=torch.cuda.max_memory_allocated() / 2**30, gpu=torch.cuda.get_device_name(),
                          torch=torch.__version__, cudnn=torch.backends.cudnn.version())))


if __name__ == "__main__":
    main()
