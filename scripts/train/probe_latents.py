"""Which of an object's attributes a VAE's latents carry.

A small classifier is trained on the latent cells around each single-object scene's object (the means in
a work folder's latents.npy) to name one attribute (style, colour, shape or size), and its accuracy on the
scenes it was not trained on is printed per value. What a classifier cannot read from the latents, no
decoder can draw from them and no UNet trained on them can learn to draw.

    /usr/bin/python3 scripts/train/probe_latents.py --work WORK [--attribute style] [--scenes 30000]
"""

import argparse
import os

import numpy as np
import torch
import torch.nn as nn

from train_world import IMAGE, load_objects, load_scenes

CROP = 8  # latent cells around the object's grid cell centre


def crops(work, attribute, limit):
    lat = np.load(os.path.join(work, "latents.npy"), mmap_mode="r")
    cell = IMAGE / lat.shape[-1]  # pixels per latent cell
    x, labels = [], []
    count = min(limit, len(lat))
    for i, (scene, discs) in enumerate(zip(load_scenes(work)[:count], load_objects(work)[:count])):
        if len(discs) != 1:
            continue
        cx, cy = int(discs[0][0] / cell), int(discs[0][1] / cell)
        z = np.pad(np.asarray(lat[i, :4]), ((0, 0), (CROP // 2, CROP // 2), (CROP // 2, CROP // 2)))
        x.append(z[:, cy : cy + CROP, cx : cx + CROP])
        labels.append(scene["objects"][0][attribute])
    values = sorted(set(labels))
    x = torch.tensor(np.array(x))
    return (x - x.mean()) / x.std(), torch.tensor([values.index(v) for v in labels]), values


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--work", required=True, help="a train_world.py work folder (latents.npy and data/scenes.jsonl)")
    p.add_argument("--attribute", default="style", choices=["style", "colour", "shape", "size"])
    p.add_argument("--scenes", type=int, default=30000, help="read the first N scenes")
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args()
    torch.manual_seed(args.seed)
    x, y, values = crops(args.work, args.attribute, args.scenes)
    order = torch.randperm(len(x))
    x, y = x[order], y[order]
    n_train = int(len(x) * 0.8)
    net = nn.Sequential(nn.Flatten(), nn.Linear(x[0].numel(), 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(),
                        nn.Linear(256, len(values)))
    opt = torch.optim.Adam(net.parameters(), 1e-3)
    for _ in range(args.epochs):
        for b in torch.randperm(n_train).split(128):
            loss = nn.functional.cross_entropy(net(x[b]), y[b])
            opt.zero_grad()
            loss.backward()
            opt.step()
    with torch.no_grad():
        guess = net(x[n_train:]).argmax(1)
    truth = y[n_train:]
    print(f"{args.attribute} from the latents of {len(x)} single-object scenes ({n_train} to train, "
          f"{len(x) - n_train} held out): held-out accuracy {(guess == truth).float().mean().item():.3f}, "
          f"chance {1 / len(values):.3f}")
    for i, v in enumerate(values):
        mask = truth == i
        print(f"  {v:<10} {(guess[mask] == i).float().mean().item():.3f} of {int(mask.sum())}")


if __name__ == "__main__":
    main()
