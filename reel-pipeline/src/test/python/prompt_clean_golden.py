"""Golden strings and token ids for PromptCleanerTest, from the reference's own code.

Diffusers' pipeline_wan.py prompt_clean (without ftfy, as Reel runs it), then the fixture's tokenizer.json through
Hugging Face `tokenizers` (the library T5TokenizerFast wraps), padding/truncation off. Run from the repository root:
    python reel-pipeline/src/test/python/prompt_clean_golden.py
Prints one line per prompt: the raw prompt, the cleaned text, its ids (ending in </s> = 1), and what ftfy would make
of it (Diffusers runs ftfy.fix_text first when ftfy is installed).
"""
import html
import json
import re

from tokenizers import Tokenizer


def prompt_clean(text):
    text = html.unescape(html.unescape(text)).strip()   # basic_clean without ftfy
    return re.sub(r"\s+", " ", text).strip()             # whitespace_clean


PROMPTS = [
    "A&nbsp;red fox&nbsp;&nbsp;in the snow",
    "caf&eacute; in Montr&eacute;al, &Eacute;t&eacute;",
    "\u201cA fox,\u201d she said \u2018quietly\u2019",
    "\u3000\u72d0\u72f8\u3000\u5728\u96ea\u4e2d\u3000\u5954\u8dd1\u3000",
    "&amp;nbsp;double&amp;amp;escaped &amp;lt;tag&amp;gt;",
    "\tfox\u2028runs\u001c\u001dfast\u0085 \u00a0\u202f\u2009",
    "&#8220;fox&#8221; &#x1F98A; &hellip;",
]

tok = Tokenizer.from_file("testdata/wan21-tiny/pipeline/tokenizer/tokenizer.json")
tok.no_padding()
tok.no_truncation()
try:
    import ftfy
except ImportError:
    ftfy = None
for p in PROMPTS:
    cleaned = prompt_clean(p)
    with_ftfy = prompt_clean(ftfy.fix_text(p)) if ftfy else None
    print(json.dumps(p), "->", json.dumps(cleaned), tok.encode(cleaned).ids, "| with ftfy:", json.dumps(with_ftfy))
print("str.isspace():", [hex(c) for c in range(0x110000) if chr(c).isspace()])
