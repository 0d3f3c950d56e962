"""PyTorch/Transformers peer: UMT5 encoder (random weights, bf16) on 512 tokens, timed with CUDA events."""
import json, sys, torch
from transformers import UMT5Config, UMT5EncoderModel
cfg = UMT5Config.from_json_file(sys.argv[1])
torch.manual_seed(0)
with torch.device("cuda"):
    m = UMT5EncoderModel(cfg).to(torch.bfloat16).eval()
ids = torch.randint(1, cfg.vocab_size, (1, 512), device="cuda")
mask = torch.ones_like(ids)
with torch.no_grad():
    for _ in range(2): m(input_ids=ids, attention_mask=mask)
    torch.cuda.synchronize(); ts = []
    for _ in range(5):
        a, e = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record(); m(input_ids=ids, attention_mask=mask); e.record(); torch.cuda.synchronize(); ts.append(a.elapsed_time(e))
ts.sort()
print(json.dumps(dict(bench="torch-umt5-encode", tokens=512, ms_median=ts[2], ms_min=ts[0], gpu=torch.cuda.get_device_name())))
