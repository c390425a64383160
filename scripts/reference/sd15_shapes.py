"""Writes bench/sd15/shapes.json: every weight's name and shape in the SD-1.5 UNet, CLIP ViT-L/14
text tower and VAE (configs in bench/sd15/*.json), so `npm run bench:models` can build the exact
SD-1.5 networks from random weights without any checkpoint.

    python3 scripts/reference/sd15_shapes.py
"""
import json
import os
import sys

sys.dont_write_bytecode = True
try:
    import torch  # noqa: F401
except ImportError:
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
SD15 = os.path.join(ROOT, "bench", "sd15")

import torch  # noqa: E402
from unet import UNet2DConditionModel  # noqa: E402
from vae import AutoencoderKL  # noqa: E402
from clip import CLIPTextModel  # noqa: E402

torch.set_grad_enabled(False)
# Shapes only: skip the (slow, memory-hungry) random initialisation of 1 B parameters.
torch.nn.Module.reset_parameters = lambda self: None
for cls in (torch.nn.Linear, torch.nn.Conv2d, torch.nn.Embedding, torch.nn.GroupNorm, torch.nn.LayerNorm):
    cls.reset_parameters = lambda self: None


def load(name):
    with open(os.path.join(SD15, name + ".json")) as f:
        return json.load(f)


def shapes(model):
    return {k: list(v.shape) for k, v in sorted(model.state_dict().items())}


text_cfg = load("text_encoder")
out = {
    "unet": shapes(UNet2DConditionModel(load("unet"))),
    "text_encoder": shapes(CLIPTextModel(text_cfg)),
    "vae": shapes(AutoencoderKL(load("vae"))),
}
with open(os.path.join(SD15, "shapes.json"), "w") as f:
    json.dump(out, f, indent=0)
    f.write("\n")
for k, v in out.items():
    total = sum(int(torch.tensor(s).prod()) if s else 1 for s in v.values())
    print(f"{k}: {len(v)} tensors, {total:,} parameters")
