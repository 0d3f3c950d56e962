"""Reference numbers for reel-train, made with PyTorch autograd on the plain-PyTorch Wan DiT of
../shared/bench/torch_wan_dit.py (which matches Diffusers' WanTransformer3DModel exactly).

  # whole-model gradients of the flow-matching loss on a fixed batch, fp32 CPU -> safetensors for the Java test
  python3 wan_dit_train_reference.py grads --dit torch_wan_dit.py --transformer testdata/wan21-tiny/pipeline/transformer \
      --out wan21-tiny-grads.safetensors
  # the PyTorch peer of acceptance 6: one AdamW training step of the 1.3B DiT, bf16 weights and activations,
  # fp32 master weights and optimizer state, per-block activation checkpointing; prints JSON
  python3 wan_dit_train_reference.py step --dit torch_wan_dit.py --config config.json --frames 33 --height 480 --width 832

The batch (x0, noise, sigma, text states) is written into the reference file, so the Java side reads its inputs
from it and never needs PyTorch's random generator.
"""
import argparse, importlib.util, json, math, os, time
import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint


def load_dit(path):
    spec = importlib.util.spec_from_file_location("torch_wan_dit", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def flow_matching_loss(model, x0, noise, sigma, ctx, forward=None):
    """Wan/FastVideo flow matching: x_t = (1-sigma) x0 + sigma eps, target eps - x0, MSE; timestep = 1000 sigma."""
    s = sigma.view(-1, 1, 1, 1, 1)
    xt = (1 - s) * x0 + s * noise
    pred = (forward or model)(xt, sigma * 1000.0, ctx)
    return F.mse_loss(pred.float(), (noise - x0).float())


def grads(a):
    from safetensors.torch import load_file, save_file
    dit = load_dit(a.dit)
    cfg = json.load(open(os.path.join(a.transformer, "config.json")))
    torch.manual_seed(0)
    m = dit.WanDiT(cfg).float()
    m.load_state_dict(load_file(os.path.join(a.transformer, "diffusion_pytorch_model.safetensors")), strict=True)
    g = torch.Generator().manual_seed(1234)
    x0 = torch.randn(2, cfg["in_channels"], 3, 8, 8, generator=g)
    noise = torch.randn(x0.shape, generator=g)
    sigma = torch.tensor([0.3, 0.8])
    ctx = torch.randn(2, 7, cfg["text_dim"], generator=g)
    loss = flow_matching_loss(m, x0, noise, sigma, ctx)
    loss.backward()
    out = {"input.x0": x0, "input.noise": noise, "input.sigma": sigma, "input.encoder_hidden_states": ctx,
           "loss": loss.detach().reshape(1)}
    for k, p in m.named_parameters():
        out["grad." + k] = p.grad.contiguous()
    save_file(out, a.out)
    print(json.dumps(dict(reference="wan21-tiny-grads", loss=loss.item(), params=len(list(m.parameters())))))


def step(a):
    dit = load_dit(a.dit)
    cfg = json.load(open(a.config))
    dev = "cuda"
    torch.manual_seed(0)
    with torch.device(dev):
        m = dit.WanDiT(cfg).to(torch.bfloat16)
    params = list(m.parameters())
    master = [p.detach().float().clone().requires_grad_(True) for p in params]
    opt = torch.optim.AdamW(master, lr=1e-5, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01)
    lt, lh, lw = (a.frames - 1) // 4 + 1, a.height // 8, a.width // 8
    x0 = torch.randn(1, cfg["in_channels"], lt, lh, lw, device=dev, dtype=torch.bfloat16)
    noise = torch.randn_like(x0)
    ctx = torch.randn(1, a.text_len, cfg["text_dim"], device=dev, dtype=torch.bfloat16)
    sigma = torch.tensor([0.5], device=dev)

    def forward(x, t, c):  # the DiT forward with each block checkpointed (recomputed in backward)
        B, C, T, H, W = x.shape
        p = m.p
        f, h, w = T // p[0], H // p[1], W // p[2]
        rope = m.rope(f, h, w, x.device)
        x = m.patch_embedding(x).flatten(2).transpose(1, 2).contiguous()
        ce = m.condition_embedder
        temb = ce.time_embedder.linear_2(F.silu(ce.time_embedder.linear_1(dit.sinusoidal(t, cfg["freq_dim"]).to(x.dtype))))
        tproj = ce.time_proj(F.silu(temb)).unflatten(1, (6, -1))
        c = ce.text_embedder.linear_2(F.gelu(ce.text_embedder.linear_1(c), approximate="tanh"))
        for b in m.blocks:
            x = checkpoint(b, x, c, tproj, rope, use_reentrant=False)
        sh, sc = (m.scale_shift_table + temb.unsqueeze(1)).chunk(2, dim=1)
        x = (F.layer_norm(x.float(), x.shape[-1:], eps=1e-6) * (1 + sc) + sh).type_as(x)
        x = m.proj_out(x)
        x = x.reshape(B, f, h, w, *p, -1).permute(0, 7, 1, 4, 2, 5, 3, 6)
        return x.flatten(6, 7).flatten(4, 5).flatten(2, 3)

    def train_step():
        loss = flow_matching_loss(m, x0.float(), noise.float(), sigma, ctx, forward=lambda xt, t, c: forward(xt.to(torch.bfloat16), t, c))
        loss.backward()
        for mp, p in zip(master, params):
            mp.grad = p.grad.float()
            p.grad = None
        torch.nn.utils.clip_grad_norm_(master, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        with torch.no_grad():
            for mp, p in zip(master, params):
                p.copy_(mp)
        return loss

    for _ in range(2):
        train_step()
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    ts = []
    for _ in range(a.reps):
        e0, e1 = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        e0.record(); loss = train_step(); e1.record(); torch.cuda.synchronize()
        ts.append(e0.elapsed_time(e1))
    ts.sort()
    print(json.dumps(dict(bench="torch-wan-dit-train-step", frames=a.frames, height=a.height, width=a.width,
                          tokens=lt * lh * lw // math.prod(cfg["patch_size"]), ms_median=ts[len(ts) // 2], ms_min=ts[0],
                          ms_max=ts[-1], peak_mem_gib=torch.cuda.max_memory_allocated() / 2**30, loss=loss.item(),
                          gpu=torch.cuda.get_device_name(), torch=torch.__version__)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["grads", "step"])
    ap.add_argument("--dit", required=True); ap.add_argument("--transformer"); ap.add_argument("--out")
    ap.add_argument("--config"); ap.add_argument("--frames", type=int, default=33)
    ap.add_argument("--height", type=int, default=480); ap.add_argument("--width", type=int, default=832)
    ap.add_argument("--text-len", type=int, default=512); ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    grads(a) if a.what == "grads" else step(a)


if __name__ == "__main__":
    main()
