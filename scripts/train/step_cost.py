"""What one UNet training step costs on this machine, for planning a run before starting it.

Times a step of the unet stage's shape (batch of --batch latents, forward, backward, AdamW) for the
shipped UNet at its 16x16 latent and for an SD-shaped four-level UNet at a 32x32 latent (SD's down
and up block types, attention at the three upper levels), the model a larger latent would need.
Random weights and inputs: only the time is measured. The text encoder, which the unet stage trains
alongside, is left out. Each UNet is timed in float32 and under bf16 autocast (the unet stage's --bf16),
the two alternating so that a load that comes and goes on a shared machine hits both alike.

  python3 scripts/train/step_cost.py [--batch 64] [--repeats 3]
"""
import contextlib
import argparse
import copy
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import train_world as world  # noqa: E402  (also puts scripts/reference on the path, and re-runs under Debian's torch)
import torch  # noqa: E402


def four_level_config(latent):
    config = copy.deepcopy(world.UNET_CONFIG)
    config.update(
        block_out_channels=[32, 64, 96, 96],
        attention_head_dim=[1, 2, 3, 3],
        down_block_types=["CrossAttnDownBlock2D"] * 3 + ["DownBlock2D"],
        up_block_types=["UpBlock2D"] + ["CrossAttnUpBlock2D"] * 3,
        sample_size=latent,
    )
    return config


def seconds_per_step(config, latent, batch, repeats):
    """Fastest of `repeats` steps in float32 and under bf16 autocast, and the parameter count."""
    from unet import UNet2DConditionModel

    unet = world.norms_in_fp32(UNet2DConditionModel(config))
    world.name_modules(unet)
    optimiser = torch.optim.AdamW(unet.parameters(), 1e-4)
    sample = torch.randn(batch, config["in_channels"], latent, latent)
    context = torch.randn(batch, world.MAX_TOKENS, config["cross_attention_dim"])
    timesteps = torch.randint(0, 1000, (batch,))
    modes = {"fp32": contextlib.nullcontext, "bf16": lambda: torch.autocast("cpu", dtype=torch.bfloat16)}
    times = {mode: [] for mode in modes}
    for _ in range(repeats + 1):  # the first step of each warms up allocators and is not counted
        for mode, autocast in modes.items():
            start = time.perf_counter()
            with autocast():
                out = unet(sample, timesteps, context)
            out.float().pow(2).mean().backward()
            optimiser.step()
            optimiser.zero_grad()
            times[mode].append(time.perf_counter() - start)
    parameters = sum(p.numel() for p in unet.parameters())
    return parameters, {mode: min(t[1:]) for mode, t in times.items()}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, batch {args.batch}")
    for name, config, latent in [
        ("shipped UNet (3 levels)", world.UNET_CONFIG, world.LATENT),
        ("SD-shaped UNet (4 levels)", four_level_config(2 * world.LATENT), 2 * world.LATENT),
    ]:
        parameters, seconds = seconds_per_step(config, latent, args.batch, args.repeats)
        for mode, s in seconds.items():
            print(f"{name}: {parameters / 1e6:.2f} M parameters, latent {latent}x{latent}, {mode}: "
                  f"{s:.2f} s per step, {args.batch / s:.1f} samples/s")


if __name__ == "__main__":
    main()
