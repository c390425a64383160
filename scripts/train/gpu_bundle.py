"""Moves a UNet training run to a lent GPU machine and back (see train_world.py's unet stage).

The lent machine takes at most 64 MiB of files per call, and the encoded training set is
470 MiB of float32 latents. The posterior's standard deviation is negligible (mean 0.008
against a spread of 3.8), so the bundle keeps the means alone, quantised to int8 in steps of
0.2 (an error of at most 0.1, a fortieth of the spread) and xz-compressed: about 26 MiB
for 60,000 scenes.

  python3 scripts/train/gpu_bundle.py pack   --work .scratch/train-world --bundle .scratch/gpu
  python3 scripts/train/gpu_bundle.py unpack --bundle .scratch/gpu --work /tmp/work   # on the GPU machine
  python3 scripts/train/gpu_bundle.py slim   --work /tmp/work --out $OUT              # weights back, < 16 MiB a file
"""
import argparse
import json
import lzma
import os
import shutil

import numpy as np
import torch

STEP = 0.2
TEXT_FILES = ["latents.json", "tokenizer/vocab.json", "tokenizer/merges.txt"]


def pack(work, bundle, init):
    os.makedirs(os.path.join(bundle, "tokenizer"), exist_ok=True)
    lat = np.load(os.path.join(work, "latents.npy"), mmap_mode="r")
    q = np.empty((len(lat), 4) + lat.shape[2:], dtype=np.int8)
    for i in range(0, len(lat), 4096):
        q[i:i + 4096] = np.clip(np.round(lat[i:i + 4096, :4] / STEP), -127, 127)
    with lzma.open(os.path.join(bundle, "latents.i8.xz"), "wb", preset=6) as f:
        f.write(q.tobytes())
    with open(os.path.join(work, "data", "captions.txt"), "rb") as src, lzma.open(os.path.join(bundle, "captions.txt.xz"), "wb") as f:
        f.write(src.read())
    for name in TEXT_FILES:
        shutil.copy(os.path.join(work, name), os.path.join(bundle, name))
    if init:
        ck = torch.load(init, map_location="cpu")
        torch.save({"unet": ck["unet"], "text": ck["text"], "step": ck["step"], "vae_step": ck.get("vae_step")},
                   os.path.join(bundle, "init.pt"))
    json.dump({"shape": list(q.shape)}, open(os.path.join(bundle, "bundle.json"), "w"))
    print(f"packed {len(lat)} latents into {bundle}")


def unpack(bundle, work):
    os.makedirs(os.path.join(work, "data"), exist_ok=True)
    os.makedirs(os.path.join(work, "tokenizer"), exist_ok=True)
    shape = json.load(open(os.path.join(bundle, "bundle.json")))["shape"]
    with lzma.open(os.path.join(bundle, "latents.i8.xz"), "rb") as f:
        q = np.frombuffer(f.read(), dtype=np.int8).reshape(shape)
    lat = np.zeros((shape[0], 8) + tuple(shape[2:]), dtype=np.float32)  # channels 4-7: posterior std, taken as 0
    lat[:, :4] = q.astype(np.float32) * STEP
    np.save(os.path.join(work, "latents.npy"), lat)
    with lzma.open(os.path.join(bundle, "captions.txt.xz"), "rb") as f, open(os.path.join(work, "data", "captions.txt"), "wb") as out:
        out.write(f.read())
    for name in TEXT_FILES:
        shutil.copy(os.path.join(bundle, name), os.path.join(work, name))
    print(f"unpacked {shape[0]} latents into {work}")


def slim(work, out):
    """The EMA weights (all that export needs) and the live weights (for a warm start), one file each."""
    ck = torch.load(os.path.join(work, "unet.pt"), map_location="cpu")
    meta = {k: ck[k] for k in ["step", "total", "scale", "vae_step"] if k in ck}
    torch.save(dict(meta, ema=ck["ema"]), os.path.join(out, "unet-ema.pt"))
    torch.save(dict(meta, unet=ck["unet"], text=ck["text"]), os.path.join(out, "unet-live.pt"))
    print(f"slim checkpoints of step {ck['step']} in {out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("verb", choices=["pack", "unpack", "slim"])
    p.add_argument("--work", required=True)
    p.add_argument("--bundle")
    p.add_argument("--init", default="", help="pack: a unet.pt whose weights the GPU run starts from")
    p.add_argument("--out")
    a = p.parse_args()
    if a.verb == "pack":
        pack(a.work, a.bundle, a.init)
    elif a.verb == "unpack":
        unpack(a.bundle, a.work)
    else:
        slim(a.work, a.out)


if __name__ == "__main__":
    main()
