"""Reference fixtures for Wan2.2 (TI2V-5B and A14B), made with Diffusers in float32 on the CPU from tiny random models.

    PYTHONPATH=.devwork/diffusers/src python3 reel-models/src/test/python/make_wan22_fixtures.py OUTDIR [--wan21 testdata/wan21-tiny]

Run from the repository root. It writes two fixture sets in the layout of testdata/wan21-tiny (a Diffusers pipeline
folder, manifest.json, one .safetensors per case, every tensor float32):

  OUTDIR/wan22-ti2v-tiny/   a TI2V-5B-style pipeline: WanPipeline with expand_timesteps=True, a Wan2.2 VAE
                            (AutoencoderKLWan is_residual=True, patch_size=2, in/out 12 channels, x16 spatial),
                            a transformer whose in/out channels are the VAE's z_dim.
      vae_decode            z [1,Z,T,h,w] un-normalised           -> video [1,3,4(T-1)+1,16h,16w]
      vae_encode            video [1,3,F,H,W] in [-1,1]            -> mean, logvar [1,Z,(F-1)/4+1,H/16,W/16]
      transformer           hidden_states, timestep [B], encoder_hidden_states -> sample
      transformer_expanded  the same with a per-token timestep [B, seq] (first frame's tokens at 0, as TI2V's I2V)
      pipeline              WanPipeline (text to video, expand_timesteps): prompt_embeds, negative_prompt_embeds,
                            initial_latents, step_latents[i], frames
      pipeline_i2v          WanImageToVideoPipeline on the same folder (TI2V's image path: the image latent in
                            place of frame 0, its tokens at t=0): image (the PNG's pixels), initial_latents,
                            first_frame_latent (the normalised image latent), step_latents[i] (as the step callback sees them:
                            before frame 0 is replaced), final_latents (after), frames
  OUTDIR/wan22-a14b-tiny/   an A14B-style pipeline: WanPipeline with transformer (high noise) + transformer_2 (low
                            noise), boundary_ratio in model_index.json, the Wan2.1 VAE of testdata/wan21-tiny.
      transformer, transformer_2   one forward of each expert (manifest field "component")
      pipeline              guidance_scale for the high-noise expert, guidance_scale_2 for the low-noise one; the
                            steps cross boundary_ratio x 1000 (manifest: timesteps, expert per step)

The tokenizer, UMT5 text encoder (weights included) and the Wan2.1 VAE are taken from the wan21-tiny set unchanged.
Weights are perturbed after initialisation so that every parameter (norm gains included) influences the outputs.
Only torch, transformers, safetensors, numpy, Pillow and Diffusers' source are needed; nothing is downloaded.
"""
import argparse
import copy
import json
import os
import shutil
import types

import numpy as np
import torch
from safetensors.torch import save_file

SEED = 2202


def perturb(module, gen, rel=0.1, floor=0.02):
    """Adds seeded noise to every parameter so that ones/zeros initialisations (norm gains, biases) matter."""
    with torch.no_grad():
        for _, p in sorted(module.named_parameters(), key=lambda kv: kv[0]):
            scale = rel * p.abs().mean().item() + floor
            p.add_(torch.randn(p.shape, generator=gen, dtype=p.dtype) * scale)


def f32(t):
    return t.detach().to(torch.float32).contiguous().cpu()


def randn(gen, *shape):
    return torch.randn(*shape, generator=gen, dtype=torch.float32)


def write_config(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


# ---------------------------------------------------------------- tiny models

def tiny_vae22(gen):
    """A Wan2.2-style VAE: the residual design (AvgDown3D/DupUp3D shortcuts), 2x2 patchified 12-channel input/output,
    x16 spatial / x4 temporal, a decoder wider than the encoder (decoder_base_dim) as in TI2V-5B."""
    from diffusers import AutoencoderKLWan
    z_dim = 8
    torch.manual_seed(SEED)  # module initialisation draws from the global generator
    g = torch.Generator().manual_seed(SEED + 1)
    latents_mean = [round(float(x), 4) for x in (torch.rand(z_dim, generator=g) - 0.5)]
    latents_std = [round(float(x), 4) for x in (0.5 + torch.rand(z_dim, generator=g))]
    vae = AutoencoderKLWan(
        base_dim=4, decoder_base_dim=6, z_dim=z_dim, dim_mult=[1, 2, 4, 4], num_res_blocks=1, attn_scales=[],
        temperal_downsample=[False, True, True], dropout=0.0, latents_mean=latents_mean, latents_std=latents_std,
        is_residual=True, in_channels=12, out_channels=12, patch_size=2, scale_factor_temporal=4,
        scale_factor_spatial=16).eval()
    perturb(vae, gen)
    return vae


def keep_decode_in_range(vae, gen):
    """The decoder's output is clamped to [-1, 1]; with random weights most of it could sit on the clamp, which would
    hide errors. Scale conv_out down (deterministically) until under 5 % of a probe decode is clamped."""
    probe = randn(gen, 1, vae.config.z_dim, 2, 2, 3)
    with torch.no_grad():
        for _ in range(20):
            out = vae.decode(probe).sample
            frac = (out.abs() >= 1.0).float().mean().item()
            if frac < 0.05:
                return frac
            vae.decoder.conv_out.weight.mul_(0.5)
            vae.decoder.conv_out.bias.mul_(0.5)
    return frac


def tiny_transformer(gen, in_channels, seed_offset):
    from diffusers import WanTransformer3DModel
    torch.manual_seed(SEED + seed_offset)
    t = WanTransformer3DModel(
        patch_size=(1, 2, 2), num_attention_heads=2, attention_head_dim=12, in_channels=in_channels,
        out_channels=in_channels, text_dim=32, freq_dim=256, ffn_dim=32, num_layers=2, cross_attn_norm=True,
        qk_norm="rms_norm_across_heads", eps=1e-6, image_dim=None, added_kv_proj_dim=None,
        rope_max_seq_len=32).eval()
    perturb(t, gen)
    return t


def unipc(flow_shift):
    from diffusers import UniPCMultistepScheduler
    return UniPCMultistepScheduler(prediction_type="flow_prediction", use_flow_sigmas=True, num_train_timesteps=1000,
                                   flow_shift=flow_shift)


def shared_components(wan21):
    from transformers import AutoTokenizer, UMT5EncoderModel
    pipe_dir = os.path.join(wan21, "pipeline")
    tokenizer = AutoTokenizer.from_pretrained(os.path.join(pipe_dir, "tokenizer"))
    text_encoder = UMT5EncoderModel.from_pretrained(os.path.join(pipe_dir, "text_encoder")).float().eval()
    return tokenizer, text_encoder


def save_pipeline(pipe, out_dir, wan21):
    """Saves the pipeline folder; the tokenizer and text encoder are copied from wan21-tiny byte for byte."""
    pipe.save_pretrained(out_dir, safe_serialization=True)
    for sub in ("tokenizer", "text_encoder"):
        shutil.rmtree(os.path.join(out_dir, sub), ignore_errors=True)
        shutil.copytree(os.path.join(wan21, "pipeline", sub), os.path.join(out_dir, sub))


class StepRecorder:
    def __init__(self):
        self.latents = []

    def __call__(self, pipe, i, t, kwargs):
        self.latents.append(f32(kwargs["latents"]).clone())
        return {}


PROMPT = "A red fox runs through a snowy forest at dawn."
NEGATIVE = "Bright tones, overexposed, static, blurred details"
MAX_SEQ = 16


# ---------------------------------------------------------------- TI2V-5B style

def make_ti2v(out, wan21, gen):
    from diffusers import WanImageToVideoPipeline, WanPipeline
    root = os.path.join(out, "wan22-ti2v-tiny")
    os.makedirs(root, exist_ok=True)
    cases = {}

    vae = tiny_vae22(gen)
    clamped = keep_decode_in_range(vae, gen)
    z = vae.config.z_dim

    # VAE decode: odd latent sizes (3 frames, 3x5) so no axis is mistaken for another.
    zin = randn(gen, 1, z, 3, 3, 5)
    with torch.no_grad():
        video = vae.decode(zin).sample
    save_file({"z": f32(zin), "video": f32(video)}, os.path.join(root, "vae_decode.safetensors"))
    cases["vae_decode"] = {"file": "vae_decode.safetensors", "rtol": 1e-4, "layout": "[B, C, T, H, W]",
                           "note": f"z un-normalised, as vae.decode takes it; {clamped:.3f} of a probe decode clamped"}

    # VAE encode: 9 frames, 32x48 (multiples of 16).
    vin = (torch.rand(1, 3, 9, 32, 48, generator=gen) * 2 - 1)
    with torch.no_grad():
        dist = vae.encode(vin).latent_dist
    save_file({"video": f32(vin), "mean": f32(dist.mean), "logvar": f32(dist.logvar)},
              os.path.join(root, "vae_encode.safetensors"))
    cases["vae_encode"] = {"file": "vae_encode.safetensors", "rtol": 1e-4,
                           "note": "logvar clamped to [-30, 20] as DiagonalGaussianDistribution does"}

    transformer = tiny_transformer(gen, z, 10)
    tokenizer, text_encoder = shared_components(wan21)
    scheduler = unipc(5.0)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=scheduler,
                       transformer=transformer, transformer_2=None, boundary_ratio=None, expand_timesteps=True)
    pipe.set_progress_bar_config(disable=True)
    pipe_dir = os.path.join(root, "pipeline")
    save_pipeline(pipe, pipe_dir, wan21)

    # Transformer: scalar and per-token timesteps.
    hs = randn(gen, 2, z, 3, 4, 6)
    ehs = randn(gen, 2, MAX_SEQ, 32)
    ts = torch.tensor([937.0, 250.0])
    with torch.no_grad():
        sample = transformer(hidden_states=hs, timestep=ts, encoder_hidden_states=ehs, return_dict=False)[0]
    save_file({"hidden_states": f32(hs), "timestep": f32(ts), "encoder_hidden_states": f32(ehs), "sample": f32(sample)},
              os.path.join(root, "transformer.safetensors"))
    cases["transformer"] = {"file": "transformer.safetensors", "rtol": 1e-4,
                            "layout": "hidden_states/sample are [B, C, T, H, W]"}
    mask = torch.ones(1, 1, 3, 4, 6)
    mask[:, :, 0] = 0
    per_token = torch.stack([(mask[0][0][:, ::2, ::2] * t).flatten() for t in ts])  # [B, T*(H/2)*(W/2)]
    with torch.no_grad():
        sample_e = transformer(hidden_states=hs, timestep=per_token, encoder_hidden_states=ehs, return_dict=False)[0]
    save_file({"hidden_states": f32(hs), "timestep": f32(per_token), "encoder_hidden_states": f32(ehs),
               "sample": f32(sample_e)}, os.path.join(root, "transformer_expanded.safetensors"))
    cases["transformer_expanded"] = {"file": "transformer_expanded.safetensors", "rtol": 1e-4,
                                     "layout": "timestep is [B, seq] (seq = T*(H/2)*(W/2) tokens, frame-major); "
                                               "the first latent frame's tokens at 0"}

    # Text-to-video with expand_timesteps (every token at t).
    h, w, frames, steps, guidance = 64, 96, 9, 4, 5.0
    lat_shape = (1, z, (frames - 1) // 4 + 1, h // 16, w // 16)
    init = randn(gen, *lat_shape)
    rec = StepRecorder()
    with torch.no_grad():
        pe, ne = pipe.encode_prompt(PROMPT, NEGATIVE, True, 1, max_sequence_length=MAX_SEQ, device="cpu")
        res = pipe(prompt=PROMPT, negative_prompt=NEGATIVE, height=h, width=w, num_frames=frames,
                   num_inference_steps=steps, guidance_scale=guidance, latents=init.clone(), output_type="np",
                   max_sequence_length=MAX_SEQ, callback_on_step_end=rec, callback_on_step_end_tensor_inputs=["latents"])
    save_file({"prompt_embeds": f32(pe), "negative_prompt_embeds": f32(ne), "initial_latents": f32(init),
               "step_latents": f32(torch.stack(rec.latents)), "frames": f32(torch.from_numpy(np.asarray(res.frames[0])))},
              os.path.join(root, "pipeline.safetensors"))
    cases["pipeline"] = {"file": "pipeline.safetensors", "prompt": PROMPT, "negative_prompt": NEGATIVE, "height": h,
                         "width": w, "num_frames": frames, "num_inference_steps": steps, "guidance_scale": guidance,
                         "max_sequence_length": MAX_SEQ, "model_dir": "pipeline", "rtol": 1e-3,
                         "timesteps": [int(t) for t in scheduler.timesteps],
                         "note": "WanPipeline, expand_timesteps=True; step_latents[i] [1,C,T,H,W] after step i; "
                                 "frames [T, H, W, C] in [0,1]"}

    # Image-to-video through TI2V: the image latent in place of frame 0, its tokens at t = 0.
    from PIL import Image
    pixels = (torch.rand(h, w, 3, generator=gen) * 255).round().to(torch.uint8).numpy()
    image = Image.fromarray(pixels)  # uint8 [H, W, 3]: RGB
    image.save(os.path.join(root, "ti2v_image.png"))
    import diffusers.pipelines.wan.pipeline_wan_i2v as i2v_module
    if not hasattr(i2v_module, "ftfy"):
        # that module calls ftfy.fix_text without checking it is installed; WanPipeline skips it when absent, and
        # so does Reel: the identity keeps both pipelines' prompts cleaned alike
        i2v_module.ftfy = types.SimpleNamespace(fix_text=lambda text: text)
    i2v = WanImageToVideoPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=unipc(5.0),
                                  image_processor=None, image_encoder=None, transformer=transformer,
                                  transformer_2=None, boundary_ratio=None, expand_timesteps=True)
    i2v.set_progress_bar_config(disable=True)
    init_i = randn(gen, *lat_shape)
    rec_i = StepRecorder()
    with torch.no_grad():
        res_i = i2v(image=image, prompt=PROMPT, negative_prompt=NEGATIVE, height=h, width=w, num_frames=frames,
                    num_inference_steps=steps, guidance_scale=guidance, latents=init_i.clone(), output_type="np",
                    max_sequence_length=MAX_SEQ, callback_on_step_end=rec_i,
                    callback_on_step_end_tensor_inputs=["latents"])
    # The condition as prepare_latents makes it (the same ops: x/255*2-1, the mode, (x - mean) * (1/std)).
    mean = torch.tensor(vae.config.latents_mean).view(1, z, 1, 1, 1)
    inv_std = 1.0 / torch.tensor(vae.config.latents_std).view(1, z, 1, 1, 1)
    img_t = torch.from_numpy(pixels).permute(2, 0, 1).float().div(255).mul(2).sub(1).unsqueeze(0).unsqueeze(2)
    with torch.no_grad():
        cond = (vae.encode(img_t).latent_dist.mode() - mean) * inv_std
    final = rec_i.latents[-1].clone()
    final[:, :, 0] = cond[:, :, 0]  # (1 - mask) * condition + mask * latents with the 0/1 first-frame mask
    tensors = {"image": torch.from_numpy(pixels).float(), "initial_latents": f32(init_i), "first_frame_latent": f32(cond),
               "step_latents": f32(torch.stack(rec_i.latents)),
               "final_latents": f32(final),
               "frames": f32(torch.from_numpy(np.asarray(res_i.frames[0])))}
    save_file(tensors, os.path.join(root, "pipeline_i2v.safetensors"))
    cases["pipeline_i2v"] = {"file": "pipeline_i2v.safetensors", "image": "ti2v_image.png", "prompt": PROMPT,
                             "negative_prompt": NEGATIVE, "height": h, "width": w, "num_frames": frames,
                             "num_inference_steps": steps, "guidance_scale": guidance, "max_sequence_length": MAX_SEQ,
                             "model_dir": "pipeline", "rtol": 1e-3,
                             "note": "WanImageToVideoPipeline(expand_timesteps=True, no image encoder) on the same "
                                     "folder; image: the PNG's pixels [H,W,3] 0..255; first_frame_latent [1,C,1,h,w] the "
                                     "normalised image latent (mode); step_latents[i] as the step callback sees "
                                     "them (frame 0 not yet replaced); final_latents [1,C,T,h,w] after frame 0 is "
                                     "replaced by the condition, as decoded"}

    write_manifest(root, "diffusers WanPipeline/WanImageToVideoPipeline (Wan2.2 TI2V-5B style), float32 on CPU", cases)


# ---------------------------------------------------------------- A14B style

def make_a14b(out, wan21, gen):
    from diffusers import AutoencoderKLWan, WanPipeline
    root = os.path.join(out, "wan22-a14b-tiny")
    os.makedirs(root, exist_ok=True)
    cases = {}
    vae = AutoencoderKLWan.from_pretrained(os.path.join(wan21, "pipeline", "vae")).float().eval()
    high = tiny_transformer(gen, 16, 20)
    low = tiny_transformer(gen, 16, 30)
    tokenizer, text_encoder = shared_components(wan21)
    boundary_ratio = 0.875
    scheduler = unipc(5.0)
    pipe = WanPipeline(tokenizer=tokenizer, text_encoder=text_encoder, vae=vae, scheduler=scheduler,
                       transformer=high, transformer_2=low, boundary_ratio=boundary_ratio, expand_timesteps=False)
    pipe.set_progress_bar_config(disable=True)
    save_pipeline(pipe, os.path.join(root, "pipeline"), wan21)

    hs = randn(gen, 2, 16, 3, 4, 6)
    ehs = randn(gen, 2, MAX_SEQ, 32)
    ts = torch.tensor([999.0, 500.0])
    for name, model in (("transformer", high), ("transformer_2", low)):
        with torch.no_grad():
            sample = model(hidden_states=hs, timestep=ts, encoder_hidden_states=ehs, return_dict=False)[0]
        save_file({"hidden_states": f32(hs), "timestep": f32(ts), "encoder_hidden_states": f32(ehs),
                   "sample": f32(sample)}, os.path.join(root, name + ".safetensors"))
        cases[name] = {"file": name + ".safetensors", "component": name, "rtol": 1e-4,
                       "layout": "hidden_states/sample are [B, C, T, H, W]"}

    h, w, frames, steps, guidance, guidance_2 = 64, 48, 9, 6, 4.0, 3.0
    init = randn(gen, 1, 16, (frames - 1) // 4 + 1, h // 8, w // 8)
    rec = StepRecorder()
    with torch.no_grad():
        pe, ne = pipe.encode_prompt(PROMPT, NEGATIVE, True, 1, max_sequence_length=MAX_SEQ, device="cpu")
        res = pipe(prompt=PROMPT, negative_prompt=NEGATIVE, height=h, width=w, num_frames=frames,
                   num_inference_steps=steps, guidance_scale=guidance, guidance_scale_2=guidance_2,
                   latents=init.clone(), output_type="np", max_sequence_length=MAX_SEQ, callback_on_step_end=rec,
                   callback_on_step_end_tensor_inputs=["latents"])
    timesteps = [int(t) for t in scheduler.timesteps]
    boundary = boundary_ratio * scheduler.config.num_train_timesteps
    experts = ["transformer" if t >= boundary else "transformer_2" for t in timesteps]
    assert "transformer" in experts and "transformer_2" in experts, f"steps {timesteps} do not cross {boundary}"
    save_file({"prompt_embeds": f32(pe), "negative_prompt_embeds": f32(ne), "initial_latents": f32(init),
               "step_latents": f32(torch.stack(rec.latents)), "frames": f32(torch.from_numpy(np.asarray(res.frames[0])))},
              os.path.join(root, "pipeline.safetensors"))
    cases["pipeline"] = {"file": "pipeline.safetensors", "prompt": PROMPT, "negative_prompt": NEGATIVE, "height": h,
                         "width": w, "num_frames": frames, "num_inference_steps": steps, "guidance_scale": guidance,
                         "guidance_scale_2": guidance_2, "max_sequence_length": MAX_SEQ, "model_dir": "pipeline",
                         "rtol": 1e-3, "boundary_ratio": boundary_ratio, "timesteps": timesteps, "experts": experts,
                         "note": "WanPipeline with transformer_2; t >= boundary_ratio*1000 runs transformer with "
                                 "guidance_scale, otherwise transformer_2 with guidance_scale_2; step_latents[i] "
                                 "[1,C,T,H,W] after step i; frames [T, H, W, C] in [0,1]"}
    write_manifest(root, "diffusers WanPipeline with two experts (Wan2.2 A14B style), float32 on CPU", cases)


def write_manifest(root, reference, cases):
    import diffusers
    import transformers
    write_config(os.path.join(root, "manifest.json"), {
        "reference": reference, "seed": SEED, "torch": torch.__version__, "diffusers": diffusers.__version__,
        "transformers": transformers.__version__, "script": "reel-models/src/test/python/make_wan22_fixtures.py",
        "cases": cases})
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(root) for f in fs)
    print(json.dumps({"set": root, "cases": list(cases), "bytes": total}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", help="folder receiving wan22-ti2v-tiny/ and wan22-a14b-tiny/")
    ap.add_argument("--wan21", default="testdata/wan21-tiny", help="the Wan2.1 fixture set (tokenizer, UMT5, VAE)")
    a = ap.parse_args()
    torch.set_grad_enabled(False)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(max(1, min(8, os.cpu_count() or 1)))
    gen = torch.Generator().manual_seed(SEED)
    make_ti2v(a.out, a.wan21, gen)
    make_a14b(a.out, a.wan21, gen)


if __name__ == "__main__":
    main()
