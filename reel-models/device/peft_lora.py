"""PEFT reference for Reel's LoRA loader (testdata/lora/): a LoRA made by PEFT on the fixture transformer, and
the transformer's outputs with it, fp32 on the CPU.

  python3 peft_lora.py --fixtures testdata/wan21-tiny --dit ../shared/bench/torch_wan_dit.py --out testdata/wan21-tiny-lora \
      --reel-lora testdata/wan21-tiny-lora/reel_lora.safetensors

Writes OUT/peft/adapter_model.safetensors + adapter_config.json (PEFT's save_pretrained, keys
base_model.model.blocks.N.…lora_A.weight) and OUT/peft_reference.safetensors holding, for the fixture case
`transformer` (its hidden_states, timestep, encoder_hidden_states):
  sample_base    the transformer without LoRA (checked against the Diffusers fixture)
  sample_lora    with the adapter as PEFT applies it, unmerged
  sample_merged  after PEFT's merge_and_unload
  sample_half    with every LoRA layer's scaling halved (PEFT's scale_layer(0.5), what Diffusers' adapter weight 0.5 does)
  sample_reel_lora  with --reel-lora (a file Reel saved): PEFT built from the file's lora_adapter_metadata, weights
                 set with set_peft_model_state_dict, unmerged
The adapter has a rank pattern and an alpha pattern so that per-module ranks and scales are exercised, and
random lora_B (init_lora_weights=False) so that it changes the output.
"""
import argparse, importlib.util, json, os
import torch
from safetensors.torch import load_file, save_file


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fixtures", required=True)
    ap.add_argument("--dit", required=True, help="path of torch_wan_dit.py (plain-PyTorch Wan DiT matching Diffusers)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--reel-lora", help="a LoRA file written by Reel (Diffusers pipeline format) to read with PEFT")
    a = ap.parse_args()
    spec = importlib.util.spec_from_file_location("torch_wan_dit", a.dit)
    dit = importlib.util.module_from_spec(spec); spec.loader.exec_module(dit)
    import peft
    from peft import LoraConfig, get_peft_model, set_peft_model_state_dict
    from peft.tuners.lora import LoraLayer

    torch.set_grad_enabled(False)
    torch.manual_seed(0)
    tdir = os.path.join(a.fixtures, "pipeline/transformer")
    cfg = json.load(open(os.path.join(tdir, "config.json")))

    def fixture_model():
        m = dit.WanDiT(cfg).eval()
        m.load_state_dict(load_file(os.path.join(tdir, "diffusion_pytorch_model.safetensors")), strict=True)
        return m

    m = fixture_model()
    c = load_file(os.path.join(a.fixtures, "transformer.safetensors"))
    args = (c["hidden_states"], c["timestep"], c["encoder_hidden_states"])
    base = m(*args)
    err = ((base - c["sample"]).norm() / c["sample"].norm()).item()
    print(json.dumps(dict(check="torch-dit-vs-diffusers-fixture", rel_err=err)))

    config = LoraConfig(r=4, lora_alpha=8, target_modules=["to_q", "to_k", "to_v", "to_out.0", "net.0.proj", "net.2"],
                        rank_pattern={"blocks.1.attn1.to_q": 2}, alpha_pattern={"to_v": 2.0},
                        lora_dropout=0.0, init_lora_weights=False)
    pm = get_peft_model(m, config).eval()
    lora = pm(*args)
    os.makedirs(os.path.join(a.out, "peft"), exist_ok=True)
    pm.save_pretrained(os.path.join(a.out, "peft"))
    for mod in pm.modules():
        if isinstance(mod, LoraLayer):
            mod.scale_layer(0.5)
    half = pm(*args)
    for mod in pm.modules():
        if isinstance(mod, LoraLayer):
            mod.unscale_layer(0.5)
    again = pm(*args)
    merged = pm.merge_and_unload()(*args)
    results = {"sample_base": base, "sample_lora": lora, "sample_merged": merged, "sample_half": half}
    if a.reel_lora:
        try:
            from safetensors import safe_open
            with safe_open(a.reel_lora, "pt") as f:
                meta = json.loads(f.metadata()["lora_adapter_metadata"])
            rcfg = {k[len("transformer."):]: v for k, v in meta.items() if k.startswith("transformer.")}
            print(json.dumps(dict(reel_lora_config=rcfg))[:600])
            rm = get_peft_model(fixture_model(), LoraConfig(**rcfg)).eval()
            sd = {"base_model.model." + k[len("transformer."):]: v for k, v in load_file(a.reel_lora).items()}
            res = set_peft_model_state_dict(rm, sd)
            print(json.dumps(dict(reel_lora_unexpected=list(res.unexpected_keys),
                                  reel_lora_missing_lora=[k for k in res.missing_keys if "lora_" in k])))
            results["sample_reel_lora"] = rm(*args)
        except Exception:
            import traceback; traceback.print_exc()
    rel = lambda x, y: ((x - y).norm() / y.norm()).item()
    print(json.dumps(dict(peft=peft.__version__, torch=torch.__version__, lora_vs_base=rel(lora, base),
                          merged_vs_lora=rel(merged, lora), half_vs_lora=rel(half, lora),
                          unscaled_equals_lora=bool(torch.equal(again, lora)))))
    save_file({k: v.contiguous() for k, v in results.items()}, os.path.join(a.out, "peft_reference.safetensors"),
              metadata={"peft": peft.__version__, "torch": torch.__version__, "inputs": "testdata/wan21-tiny/transformer.safetensors"})
    print(sorted(load_file(os.path.join(a.out, "peft/adapter_model.safetensors")).keys())[:4])
    print(open(os.path.join(a.out, "peft/adapter_config.json")).read())


if __name__ == "__main__":
    main()
