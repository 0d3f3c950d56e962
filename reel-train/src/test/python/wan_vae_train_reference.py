"""Reference numbers for reel-train's VAE training, made with PyTorch autograd on Diffusers' AutoencoderKLWan.

  PYTHONPATH=<diffusers>/src python3 wan_vae_train_reference.py --vae testdata/wan21-tiny/pipeline/vae \
      --out testdata/wan21-tiny-train/wan21-tiny-vae-grads.safetensors

The loss is reel train-vae's: L1 reconstruction of the clips through z = mean + exp(logvar/2)·eps, plus
kl_weight · mean(½(mean² + exp(logvar) − 1 − logvar)), plus gdl_weight · the mean L1 of the residual's finite
differences along time, height and width (the gradient-difference term). The clips have 9 frames, so the encoder runs three chunks
(1 + 4 + 4) and the decoder three latent frames: the causal caches' steady state is in the gradient. fp32 on the
CPU; the inputs are written into the file, so the Java side never needs PyTorch's random generator.
"""
import argparse
import torch
from diffusers import AutoencoderKLWan
from safetensors.torch import save_file


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vae", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--kl-weight", type=float, default=0.1)
    p.add_argument("--gdl-weight", type=float, default=0.5)
    a = p.parse_args()
    torch.manual_seed(0)
    vae = AutoencoderKLWan.from_pretrained(a.vae, torch_dtype=torch.float32).eval()
    x = torch.rand(2, 3, 9, 16, 16) * 2 - 1
    post = vae.encode(x).latent_dist
    mean, logvar = post.mean, post.logvar
    eps = torch.randn_like(mean)
    z = mean + torch.exp(0.5 * logvar) * eps
    recon = vae.decode(z).sample
    r = recon - x
    l1 = r.abs().mean()
    kl = (0.5 * (mean.pow(2) + logvar.exp() - 1 - logvar)).mean()
    gdl = sum(torch.diff(r, dim=d).abs().mean() for d in (2, 3, 4))
    loss = l1 + a.kl_weight * kl + a.gdl_weight * gdl
    loss.backward()
    out = {"input.x": x.contiguous(), "input.eps": eps.detach().contiguous(),
           "kl_weight": torch.tensor([a.kl_weight]), "gdl_weight": torch.tensor([a.gdl_weight]), "loss": loss.detach().reshape(1)}
    for k, v in vae.named_parameters():
        out["grad." + k] = v.grad.detach().contiguous()
    save_file(out, a.out)
    print(f"loss {loss.item():.7f} (l1 {l1.item():.7f}, kl {kl.item():.7f}, gdl {gdl.item():.7f}), {len(list(vae.named_parameters()))} parameters -> {a.out}")


if __name__ == "__main__":
    main()
