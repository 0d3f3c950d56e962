"""PyTorch peer for loading a pipeline's checkpoints onto the GPU (issue 14, target 5), and the writer of the
checkpoint both load: Diffusers' WanTransformer3DModel and AutoencoderKLWan and Transformers' UMT5EncoderModel, built
from a config folder with random weights and saved with save_pretrained (the Diffusers layout a user downloads), then
loaded back as a user would, `from_pretrained(dir, torch_dtype=...).to("cuda")`, each repetition timed to a
synchronisation. The first repetition reads the files (already in the page cache after writing them).

  PYTHONPATH=<diffusers>/src python3 bench/torch_wan_load_peer.py --configs CFG --out DIR [--write] [--reps 3]
      [--components transformer,vae,text_encoder]

CFG is a pipeline folder of configs (../shared/configs/wan2.1-t2v-1.3b); --write makes DIR from it (model_index.json,
scheduler, each component's config and weights: transformer and text encoder in bf16, VAE in fp32, as the published
Wan2.1 Diffusers checkpoints store them). Prints one JSON line per component and one for their sum.
"""
import argparse, json, os, shutil, time
import torch
from diffusers.models.autoencoders.autoencoder_kl_wan import AutoencoderKLWan
from diffusers.models.transformers.transformer_wan import WanTransformer3DModel
from transformers import UMT5Config, UMT5EncoderModel

# (class, stored dtype, dtype loaded as): Wan2.1's published layout and its examples' dtypes
COMPONENTS = {
    "transformer": (WanTransformer3DModel, torch.bfloat16, torch.bfloat16),
    "vae": (AutoencoderKLWan, torch.float32, torch.float32),
    "text_encoder": (UMT5EncoderModel, torch.bfloat16, torch.bfloat16),
}


def write(configs, out, names):
    os.makedirs(out, exist_ok=True)
    shutil.copy(os.path.join(configs, "model_index.json"), out)
    shutil.copytree(os.path.join(configs, "scheduler"), os.path.join(out, "scheduler"), dirs_exist_ok=True)
    torch.manual_seed(0)
    for name in names:
        cls, stored, _ = COMPONENTS[name]
        cfg_dir = os.path.join(configs, name)
        t0 = time.perf_counter()
        with torch.device("cuda"):
            if cls is UMT5EncoderModel:
                m = UMT5EncoderModel._from_config(UMT5Config.from_pretrained(cfg_dir), torch_dtype=stored)
            else:
                m = cls.from_config(cls.load_config(cfg_dir)).to(stored)
        m.save_pretrained(os.path.join(out, name))
        print(f"wrote {name}: {sum(p.numel() for p in m.parameters()):,} parameters in {time.perf_counter() - t0:.1f} s", flush=True)
        del m
        torch.cuda.empty_cache()


def load(out, name, reps):
    cls, _, dtype = COMPONENTS[name]
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        m = cls.from_pretrained(os.path.join(out, name), torch_dtype=dtype).to("cuda")
        torch.cuda.synchronize()
        ts.append(time.perf_counter() - t0)
        n = sum(p.numel() for p in m.parameters())
        del m
        torch.cuda.empty_cache()
    return ts, n


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--configs", required=True); ap.add_argument("--out", required=True)
    ap.add_argument("--write", action="store_true"); ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--components", default="transformer,vae,text_encoder")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    names = a.components.split(",")
    if a.write:
        write(a.configs, a.out, names)
    first = best = 0.0
    for name in names:
        ts, n = load(a.out, name, a.reps)
        first += ts[0]; best += min(ts)
        print(json.dumps(dict(bench="torch-load", component=name, parameters=n, s_first=round(ts[0], 2), s_best=round(min(ts), 2),
                              runs=[round(t, 2) for t in ts])), flush=True)
    print(json.dumps(dict(bench="torch-load", component="+".join(names), s_first=round(first, 2), s_best=round(best, 2),
                          gpu=torch.cuda.get_device_name(), torch=torch.__version__)))


if __name__ == "__main__":
    main()
