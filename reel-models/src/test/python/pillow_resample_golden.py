"""Golden pictures for Reel's Pillow-exact resampling and RGB conversion (PillowResampleTest), from Pillow itself.

    python3 reel-models/src/test/python/pillow_resample_golden.py testdata/pillow-resample

Writes lossless PNGs: the inputs (RGB 45x61, RGBA 23x17 with fractional alpha, grey 37x50), every input made RGB as
Transformers 5's convert_to_rgb does (Pillow's convert("RGB"): alpha dropped, grey replicated), and that RGB picture resized
with BICUBIC, LANCZOS and BILINEAR to sizes that shrink, enlarge and mix both; manifest.json lists them.
"""
import json
import os
import sys

import numpy as np
from PIL import Image

SIZES = [(32, 43), (13, 9), (80, 20), (45, 30), (7, 70)]
FILTERS = {"bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS, "bilinear": Image.BILINEAR}


def picture(h, w, channels, seed):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = [128 + 90 * np.sin(xx * (0.2 + 0.1 * c) + c) * np.cos(yy * 0.17 + 2 * c) + rng.normal(0, 25, (h, w)) for c in range(channels)]
    return np.clip(np.rint(np.stack(planes, -1)), 0, 255).astype(np.uint8)


def to_rgb(im):
    return im if im.mode == "RGB" else im.convert("RGB")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    inputs = {"rgb": Image.fromarray(picture(61, 45, 3, 1)), "rgba": Image.fromarray(picture(17, 23, 4, 2)),
              "grey": Image.fromarray(picture(50, 37, 1, 3)[..., 0])}
    cases = []
    for name, im in inputs.items():
        im.save(os.path.join(out, name + ".png"))
        rgb = to_rgb(im)
        rgb.save(os.path.join(out, name + ".rgb.png"))
        for fname, f in FILTERS.items():
            for w, h in SIZES:
                file = f"{name}.{fname}.{w}x{h}.png"
                rgb.resize((w, h), resample=f).save(os.path.join(out, file))
                cases.append(dict(input=name + ".png", rgb=name + ".rgb.png", filter=fname, width=w, height=h, file=file))
    json.dump({"reference": "Pillow " + Image.__version__ + " Image.resize / convert('RGB')", "cases": cases},
              open(os.path.join(out, "manifest.json"), "w"), indent=1)
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
