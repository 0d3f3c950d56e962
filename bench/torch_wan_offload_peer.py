"""PyTorch peer of Reel's memory levels for the DiT (issue 17): Diffusers' own WanTransformer3DModel with random bf16
weights, its forward at a native size with every weight resident (Reel's level 0), or with Diffusers' group offloading
(`enable_group_offload`, block level, one block per group, the copies on a CUDA stream: the counterpart of Reel's
level 3, whose blocks stream from pinned host memory overlapped with compute). Timed with CUDA events like
../shared/bench/torch_wan_dit.py; the peak is torch's high-water mark of allocated memory over the timed forwards.

  PYTHONPATH=<diffusers>/src python3 torch_wan_offload_peer.py --config CFG/transformer/config.json --level 3 \
      [--frames 81 --height 480 --width 832 --text-len 512 --warmup 1 --reps 3]

Diffusers is not installed on the GPU machine; bench/slim-diffusers.sh packs the part of its source this needs.
Prints one JSON line. On a machine without CUDA it runs level 0 on the CPU in fp32 (a check that the script works).
"""
import argparse, json, time
import torch
from diffusers.models.transformers.transformer_wan import WanTransformer3DModel


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--level", type=int, choices=(0, 3), default=0)
    ap.add_argument("--frames", type=int, default=81); ap.add_argument("--height", type=int, default=480)
    ap.add_argument("--width", type=int, default=832); ap.add_argument("--text-len", type=int, default=512)
    ap.add_argument("--warmup", type=int, default=1); ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    cuda = torch.cuda.is_available()
    if a.level == 3 and not cuda:
        raise SystemExit("--level 3 (group offloading onto the GPU) needs CUDA")
    dev, dtype = (torch.device("cuda"), torch.bfloat16) if cuda else (torch.device("cpu"), torch.float32)
    cfg = json.load(open(a.config))
    t0 = time.time()
    with torch.device(dev):   # initialised where it is fast; level 3 then moves the weights to the host
        model = WanTransformer3DModel.from_config(cfg).to(dtype).eval()
    keep = set(getattr(model, "_keep_in_fp32_modules", None) or [])   # as from_pretrained(torch_dtype=bf16) keeps them
    for name, param in model.named_parameters():   # by parameter: scale_shift_table is one, not a module
        if keep.intersection(name.split(".")):
            param.data = param.data.float()
    if a.level == 3:
        model.to("cpu")
        model.enable_group_offload(onload_device=dev, offload_device=torch.device("cpu"), offload_type="block_level",
                                   num_blocks_per_group=1, use_stream=True)
    build_s = time.time() - t0

    lt, lh, lw = (a.frames - 1) // 4 + 1, a.height // 8, a.width // 8
    x = torch.randn(1, cfg["in_channels"], lt, lh, lw, device=dev, dtype=dtype)
    ctx = torch.randn(1, a.text_len, cfg["text_dim"], device=dev, dtype=dtype)
    t = torch.tensor([500.0], device=dev)

    def forward():
        return model(hidden_states=x, timestep=t, encoder_hidden_states=ctx, return_dict=False)[0]

    for _ in range(a.warmup):
        forward()
    times = []
    if cuda:
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        for _ in range(a.reps):
            s, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            s.record(); forward(); e.record(); torch.cuda.synchronize()
            times.append(s.elapsed_time(e))
        peak = torch.cuda.max_memory_allocated() / 2**30
    else:
        for _ in range(a.reps):
            s = time.perf_counter(); forward(); times.append((time.perf_counter() - s) * 1e3)
        peak = float("nan")
    times.sort()
    print(json.dumps({"bench": "torch-wan-dit-offload", "level": a.level, "frames": a.frames, "height": a.height, "width": a.width,
                      "dtype": str(dtype).replace("torch.", ""), "ms_median": round(times[len(times) // 2], 1), "ms_min": round(times[0], 1),
                      "ms_max": round(times[-1], 1), "peak_gib": round(peak, 2), "build_s": round(build_s, 1),
                      "device": torch.cuda.get_device_name() if cuda else "cpu", "torch": torch.__version__}))


if __name__ == "__main__":
    main()
