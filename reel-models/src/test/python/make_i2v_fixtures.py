"""Reference fixtures for Wan2.1 image-to-video (I2V-14B layout) and first-and-last-frame (FLF2V), made with
Diffusers' WanImageToVideoPipeline / WanTransformer3DModel and Transformers' CLIPVisionModel / CLIPImageProcessor,
tiny seeded random configs, float32 on the CPU. Run from the repository root:

    PYTHONPATH=.devwork/diffusers/src python3 reel-models/src/test/python/make_i2v_fixtures.py OUTDIR

It writes two fixture sets in the layout of ../shared/fixtures (manifest.json + one .safetensors per case + a
Diffusers pipeline folder), to be copied to testdata/:

  OUTDIR/wan21-i2v-tiny/    pipeline/ (WanImageToVideoPipeline: transformer with image_dim/added_kv_proj_dim,
                            in_channels 36; image_encoder/ CLIPVisionModel, gelu; image_processor/ CLIPImageProcessor;
                            vae/, text_encoder/, tokenizer/, scheduler/ taken from testdata/wan21-tiny/pipeline)
                            clip_quick_gelu/ (a second CLIPVisionModel, quick_gelu), images/*.png
                            cases: image_processor, video_processor, image_encoder, image_encoder_quick_gelu,
                            transformer, pipeline
  OUTDIR/wan21-flf2v-tiny/  pipeline/ (the same, but the transformer has pos_embed_seq_len = 2 x image tokens)
                            cases: transformer, pipeline (with last_image)

All tensors are float32 (uint8 pixels too). Input images are PNG files in images/, so the Java side decodes the same
bytes. Pipeline images have the pipeline's exact size (no VAE-side resize) and a short edge equal to CLIP's
size (the CLIP resize is the identity, only the centre crop acts); the resize rules themselves are the
image_processor (bicubic) and video_processor (lanczos) cases, on images of other sizes and modes.
Note: Diffusers' WanAttnProcessor takes the last 512 context tokens as text (hard-coded), so the transformer
and pipeline cases use 512 text tokens.
"""
import json
import os
import shutil
import sys
import types

import numpy as np
import torch

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
WAN21 = os.path.join(REPO, "testdata", "wan21-tiny", "pipeline")
SEED = 1234
TEXT_LEN = 512  # Diffusers' WanAttnProcessor: image_context_length = encoder_hidden_states.shape[1] - 512
CLIP = dict(hidden_size=40, intermediate_size=56, num_hidden_layers=3, num_attention_heads=4, image_size=32,
            patch_size=8, num_channels=3, layer_norm_eps=1e-5, projection_dim=16)
IMAGE_TOKENS = (CLIP["image_size"] // CLIP["patch_size"]) ** 2 + 1  # 16 patches + class token
HEIGHT, WIDTH, FRAMES, STEPS = 48, 32, 9, 4
PROMPT = "A red fox runs through a snowy forest at dawn."
NEGATIVE = "Bright tones, overexposed, static, blurred details"


def perturb(module, gen, scale=0.05):
    """Every parameter moves off its initial value (zeros, ones), so each one influences the outputs."""
    with torch.no_grad():
        for p in module.parameters():
            p.add_(torch.randn(p.shape, generator=gen) * scale)
    return module


def picture(h, w, channels, seed):
    """A smooth pattern with noise, uint8 [h, w, channels] (channels 0: a single grey plane [h, w])."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(max(channels, 1)):
        f = 0.15 + 0.1 * c
        v = 128 + 90 * np.sin(xx * f + c) * np.cos(yy * (f * 0.7) + 2 * c) + rng.normal(0, 18, (h, w))
        planes.append(v)
    a = np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)
    if channels == 4:  # alpha 0 or 255 (dropped by Transformers 5's convert_to_rgb; 4.x composited over white)
        a[..., 3] = np.where(rng.random((h, w)) < 0.3, 0, 255).astype(np.uint8)
    return a[..., 0] if channels == 0 else a


def save_png(path, array):
    from PIL import Image
    os.makedirs(os.path.dirname(path), exist_ok=True)
    Image.fromarray(array).save(path)
    return path


def f32(x):
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(np.ascontiguousarray(x))
    return x.detach().to(torch.float32).contiguous()


def write(setdir, name, tensors, manifest, **entry):
    from safetensors.torch import save_file
    save_file({k: f32(v) for k, v in tensors.items()}, os.path.join(setdir, name + ".safetensors"))
    manifest["cases"][name] = dict(file=name + ".safetensors", **entry)


def clip_processor():
    try:
        from transformers import CLIPImageProcessor
    except Exception:  # a Transformers whose default backend is missing: its PIL one
        from transformers import CLIPImageProcessorPil as CLIPImageProcessor
    return CLIPImageProcessor(do_resize=True, size={"shortest_edge": CLIP["image_size"]}, resample=3,
                              do_center_crop=True, crop_size={"height": CLIP["image_size"], "width": CLIP["image_size"]},
                              do_rescale=True, rescale_factor=1 / 255, do_normalize=True,
                              image_mean=[0.48145466, 0.4578275, 0.40821073],
                              image_std=[0.26862954, 0.26130258, 0.27577711], do_convert_rgb=True)


def pil_processor():
    """Transformers 5's explicit PIL backend of the CLIP processor, when it has one (else None, and why)."""
    try:
        from transformers import CLIPImageProcessorPil
        return CLIPImageProcessorPil(**{k: v for k, v in clip_processor().to_dict().items()
                                        if k in ("do_resize", "size", "resample", "do_center_crop", "crop_size", "do_rescale",
                                                 "rescale_factor", "do_normalize", "image_mean", "image_std", "do_convert_rgb")}), None
    except Exception as e:  # older Transformers: CLIPImageProcessor itself is the PIL/NumPy one
        return None, repr(e)[:200]


def to_rgb(im):
    """Transformers' convert_to_rgb (5.x: Pillow's convert("RGB"), alpha dropped; 4.x composited RGBA over white)."""
    from transformers.image_transforms import convert_to_rgb
    return convert_to_rgb(im)


def clip_model(act, seed):
    from transformers import CLIPVisionConfig, CLIPVisionModel
    torch.manual_seed(seed)
    m = CLIPVisionModel(CLIPVisionConfig(hidden_act=act, **CLIP)).eval()
    return perturb(m, torch.Generator().manual_seed(seed + 1))


def transformer(flf, seed):
    from diffusers import WanTransformer3DModel
    cfg = json.load(open(os.path.join(WAN21, "transformer", "config.json")))
    inner = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    torch.manual_seed(seed)
    m = WanTransformer3DModel(patch_size=tuple(cfg["patch_size"]), num_attention_heads=cfg["num_attention_heads"],
                              attention_head_dim=cfg["attention_head_dim"], in_channels=36, out_channels=16,
                              text_dim=cfg["text_dim"], freq_dim=cfg["freq_dim"], ffn_dim=cfg["ffn_dim"],
                              num_layers=cfg["num_layers"], cross_attn_norm=True, qk_norm="rms_norm_across_heads",
                              eps=1e-6, image_dim=CLIP["hidden_size"], added_kv_proj_dim=inner,
                              rope_max_seq_len=cfg["rope_max_seq_len"],
                              pos_embed_seq_len=2 * IMAGE_TOKENS if flf else None).eval()
    return perturb(m, torch.Generator().manual_seed(seed + 1))


def pipeline_folder(folder, flf):
    """Builds the pipeline from tiny parts and saves it as a Diffusers folder."""
    from diffusers import AutoencoderKLWan, UniPCMultistepScheduler, WanImageToVideoPipeline
    from transformers import AutoTokenizer, UMT5EncoderModel
    pipe = WanImageToVideoPipeline(
        tokenizer=AutoTokenizer.from_pretrained(os.path.join(WAN21, "tokenizer")),
        text_encoder=UMT5EncoderModel.from_pretrained(os.path.join(WAN21, "text_encoder")).float(),
        vae=AutoencoderKLWan.from_pretrained(os.path.join(WAN21, "vae"), torch_dtype=torch.float32),
        scheduler=UniPCMultistepScheduler.from_pretrained(os.path.join(WAN21, "scheduler")),
        image_processor=clip_processor(), image_encoder=clip_model("gelu", SEED), transformer=transformer(flf, SEED + 10))
    pipe.save_pretrained(folder, safe_serialization=True)
    # the saved folder holds exactly these weights; loading it back would need accelerate (Diffusers refuses
    # low_cpu_mem_usage=False with keep_in_fp32_modules), so the built pipeline runs the cases
    pipe.set_progress_bar_config(disable=True)
    return pipe


def ensure_ftfy():
    """Diffusers' prompt_clean calls ftfy.fix_text; without ftfy installed, an identity stands in (plain ASCII
    prompts here, which ftfy leaves unchanged)."""
    import diffusers.pipelines.wan.pipeline_wan_i2v as mod
    if not hasattr(mod, "ftfy"):
        mod.ftfy = types.SimpleNamespace(fix_text=lambda s: s)
        return "absent: identity stub (prompts are plain ASCII)"
    return "installed"


def run_pipeline(pipe, setdir, manifest, images, last):
    """One pipeline call with fixed initial latents; records the embeddings, the condition and every step."""
    from PIL import Image
    caught = {}

    def spy(name, fn, pick):
        def wrapped(*a, **k):
            out = fn(*a, **k)
            caught[name] = pick(out)
            return out
        return wrapped

    pipe.encode_prompt = spy("prompt", pipe.encode_prompt, lambda o: (o[0].clone(), o[1].clone()))
    pipe.encode_image = spy("image_embeds", pipe.encode_image, lambda o: o.clone())
    pipe.prepare_latents = spy("condition", pipe.prepare_latents, lambda o: o[1].clone())
    steps = []

    def on_step(p, i, t, kw):
        steps.append(kw["latents"].clone())
        return {}

    g = torch.Generator().manual_seed(SEED + 20)
    lat_shape = (1, 16, (FRAMES - 1) // 4 + 1, HEIGHT // 8, WIDTH // 8)
    initial = torch.randn(lat_shape, generator=g)
    first = Image.open(os.path.join(setdir, images["image"]))
    kwargs = dict(image=first, prompt=PROMPT, negative_prompt=NEGATIVE, height=HEIGHT, width=WIDTH, num_frames=FRAMES,
                  num_inference_steps=STEPS, guidance_scale=5.0, latents=initial.clone(), output_type="np",
                  max_sequence_length=TEXT_LEN, callback_on_step_end=on_step, callback_on_step_end_tensor_inputs=["latents"])
    if last:
        kwargs["last_image"] = Image.open(os.path.join(setdir, images["last_image"]))
    frames = pipe(**kwargs).frames[0]
    write(setdir, "pipeline", dict(initial_latents=initial, prompt_embeds=caught["prompt"][0],
                                   negative_prompt_embeds=caught["prompt"][1], image_embeds=caught["image_embeds"],
                                   condition=caught["condition"], step_latents=torch.stack(steps), frames=frames),
          manifest, prompt=PROMPT, negative_prompt=NEGATIVE, height=HEIGHT, width=WIDTH, num_frames=FRAMES,
          num_inference_steps=STEPS, guidance_scale=5.0, max_sequence_length=TEXT_LEN, model_dir="pipeline",
          rtol=1e-3, **images,
          note="latents=initial_latents; image_embeds = hidden_states[-2] of the image encoder ([2, N, D] with "
               "last_image); condition = [mask (4 ch), normalised VAE latents of image + zero frames (+ last image)] "
               "[1, 20, T, H, W]; step_latents[i] after step i; frames [T, H, W, 3] in [0, 1] (output_type=np)")


def transformer_case(pipe, setdir, manifest, n_images):
    t = pipe.transformer
    cfg = t.config
    g = torch.Generator().manual_seed(SEED + 30)
    b = 2
    x = torch.randn(b, cfg.in_channels, 3, 6, 4, generator=g)
    ctx = torch.randn(b, TEXT_LEN, cfg.text_dim, generator=g)
    img = torch.randn(b * n_images, IMAGE_TOKENS, cfg.image_dim, generator=g)
    ts = torch.tensor([999.0, 250.0])
    with torch.no_grad():
        out = t(hidden_states=x, timestep=ts, encoder_hidden_states=ctx, encoder_hidden_states_image=img, return_dict=False)[0]
    write(setdir, "transformer", dict(hidden_states=x, timestep=ts, encoder_hidden_states=ctx,
                                      encoder_hidden_states_image=img, sample=out),
          manifest, rtol=1e-4, model_dir="pipeline",
          layout="hidden_states/sample [B, C, T, H, W]; encoder_hidden_states_image [B*n, N, image_dim] as Diffusers "
                 "takes it (n = 2 with pos_embed: consecutive pairs are one sample's first and last image)")


def image_cases(pipe, setdir, manifest, pipeline_images):
    from PIL import Image
    import transformers
    odd = {"odd_rgb": save_png(os.path.join(setdir, "images", "odd_rgb.png"), picture(45, 61, 3, 7)),
           "tall_rgba": save_png(os.path.join(setdir, "images", "tall_rgba.png"), picture(70, 41, 4, 8)),
           "grey": save_png(os.path.join(setdir, "images", "grey.png"), picture(37, 50, 0, 9))}
    names = dict(odd)
    names.update({k: os.path.join(setdir, v) for k, v in pipeline_images.items()})
    proc, (pil, pil_why) = pipe.image_processor, pil_processor()
    out = {}
    for key, path in names.items():
        im = Image.open(path)
        out["image." + key] = np.asarray(im)
        out["pixel_values." + key] = proc(images=im, return_tensors="pt")["pixel_values"]
        if pil is not None:
            try:
                out["pixel_values_pil." + key] = pil(images=im, return_tensors="pt")["pixel_values"]
            except Exception as e:
                pil, pil_why = None, repr(e)[:200]
                out = {k: v for k, v in out.items() if not k.startswith("pixel_values_pil.")}
        rgb = to_rgb(im)
        short = CLIP["image_size"]
        w, h = rgb.size
        size = (short, int(short * h / w)) if w <= h else (int(short * w / h), short)
        out["pil_bicubic." + key] = np.asarray(rgb.resize(size, resample=Image.BICUBIC))
    write(setdir, "image_processor", out, manifest, rtol=1e-6, model_dir="pipeline",
          images={k: os.path.relpath(v, setdir) for k, v in names.items()},
          processor=type(proc).__module__ + "." + type(proc).__name__,
          pil_processor=type(pil).__name__ if pil is not None else "none: " + str(pil_why), transformers=transformers.__version__,
          note="image.K: the decoded PNG (uint8 values; grey is [H, W], rgba [H, W, 4]); pixel_values.K: the pipeline's "
               "image_processor [1, 3, S, S]; pixel_values_pil.K: Transformers' PIL backend of it (when it has one); "
               "pil_bicubic.K: PIL's bicubic resize of the image made RGB by Transformers' convert_to_rgb to shortest edge S (before the crop), [h, w, 3]")
    vp = pipe.video_processor
    vout = {}
    for key in ("odd_rgb",):
        im = Image.open(names[key])
        vout["pixels." + key] = vp.preprocess(im, height=HEIGHT, width=WIDTH)
        vout["pil_lanczos." + key] = np.asarray(im.resize((WIDTH, HEIGHT), resample=Image.LANCZOS))
    for key in pipeline_images:
        vout["pixels." + key] = vp.preprocess(Image.open(names[key]), height=HEIGHT, width=WIDTH)
    write(setdir, "video_processor", vout, manifest, rtol=1e-6, height=HEIGHT, width=WIDTH, model_dir="pipeline",
          images={k: os.path.relpath(names[k], setdir) for k in ["odd_rgb"] + list(pipeline_images)},
          note="pixels.K: Diffusers' VideoProcessor.preprocess(image, height, width) [1, 3, H, W] in [-1, 1] (PIL lanczos "
               "resize, /255, 2x-1); pil_lanczos.K: the resized uint8 image [H, W, 3]")


def encoder_case(setdir, manifest, name, model, pixel_values, model_dir):
    with torch.no_grad():
        o = model(pixel_values=pixel_values, output_hidden_states=True)
    write(setdir, name, dict(pixel_values=pixel_values, penultimate_hidden_states=o.hidden_states[-2],
                             last_hidden_state=o.last_hidden_state, pooler_output=o.pooler_output),
          manifest, rtol=1e-4, model_dir="pipeline", model=model_dir, hidden_act=model.config.hidden_act,
          note="CLIPVisionModel(pixel_values, output_hidden_states=True): hidden_states[-2] is what the pipeline uses")


def make_set(out, name, flf):
    setdir = os.path.join(out, name)
    if os.path.exists(setdir):
        shutil.rmtree(setdir)
    os.makedirs(setdir)
    import diffusers, transformers
    manifest = {"reference": "diffusers WanImageToVideoPipeline + transformers CLIPVisionModel/CLIPImageProcessor/"
                             "UMT5EncoderModel, float32 on CPU", "seed": SEED, "diffusers": diffusers.__version__,
                "transformers": transformers.__version__, "torch": torch.__version__, "ftfy": ensure_ftfy(),
                "task": "flf2v" if flf else "i2v", "cases": {}}
    pipe = pipeline_folder(os.path.join(setdir, "pipeline"), flf)
    images = {"image": os.path.relpath(save_png(os.path.join(setdir, "images", "first.png"), picture(HEIGHT, WIDTH, 3, 1)), setdir)}
    if flf:
        images["last_image"] = os.path.relpath(save_png(os.path.join(setdir, "images", "last.png"), picture(HEIGHT, WIDTH, 3, 2)), setdir)
    if not flf:
        image_cases(pipe, setdir, manifest, images)
        from PIL import Image
        pv = pipe.image_processor(images=[Image.open(os.path.join(setdir, p)) for p in
                                          [images["image"], os.path.join("images", "odd_rgb.png")]], return_tensors="pt")["pixel_values"]
        encoder_case(setdir, manifest, "image_encoder", pipe.image_encoder, pv, "pipeline/image_encoder")
        quick = clip_model("quick_gelu", SEED + 40)
        quick.save_pretrained(os.path.join(setdir, "clip_quick_gelu"))
        encoder_case(setdir, manifest, "image_encoder_quick_gelu", quick, pv, "clip_quick_gelu")
    transformer_case(pipe, setdir, manifest, 2 if flf else 1)
    run_pipeline(pipe, setdir, manifest, images, flf)
    with open(os.path.join(setdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    total = sum(os.path.getsize(os.path.join(d, x)) for d, _, fs in os.walk(setdir) for x in fs)
    print(json.dumps(dict(set=name, cases=list(manifest["cases"]), bytes=total)))


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: PYTHONPATH=.devwork/diffusers/src python3 make_i2v_fixtures.py OUTDIR")
    if not os.path.isdir(WAN21):
        sys.exit(f"{WAN21}: the wan21-tiny pipeline (tokenizer, text encoder, VAE, scheduler) is needed")
    torch.set_grad_enabled(False)
    torch.set_num_threads(1)  # one summation order
    out = os.path.abspath(sys.argv[1])
    make_set(out, "wan21-i2v-tiny", flf=False)
    make_set(out, "wan21-flf2v-tiny", flf=True)


if __name__ == "__main__":
    main()
