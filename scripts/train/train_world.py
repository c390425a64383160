"""Offline trainer for the shipped world model (models/world-sd), in the Stable Diffusion
architecture and the diffusers folder layout. Python is an offline tool only: the bot loads
the result with src/models in TypeScript.

The networks are the project's own PyTorch re-implementations in scripts/reference/ (the
same ones that check the TypeScript models), so the state-dict names are diffusers'.

Stages, each resumable from its checkpoint in --work (Ctrl-C or --minutes saves and stops):
  data      render the training scenes with the TypeScript world (scripts/train/export-world.ts)
  tokenizer learn a CLIP BPE vocabulary from the world's captions and instructions
  vae       AutoencoderKL (x8), L1 + MSE + a small KL term
  encode    encode every training image to its latent distribution
  unet      UNet2DConditionModel + CLIPTextModel trained together, epsilon prediction,
            SD's scaled-linear schedule, 10% empty captions for classifier-free guidance,
            min-SNR weighting, EMA weights
  decoder   fine-tune the VAE decoder alone (the latent space, and so the UNet, unchanged)
  export    write models/world-sd (fp16 safetensors + configs)

  python3 scripts/train/train_world.py all            # everything, resuming where it stopped
  python3 scripts/train/train_world.py vae --minutes 30
  python3 scripts/train/train_world.py data encode unet --work W   # several stages, in this order

The unet stage runs on CUDA when there is one (--device), and on the CPU under bf16 autocast unless
--no-bf16 (this CPU's AMX-bf16: a step of batch 64 of the shipped UNet measured 2.9 s against 11.5 s in
fp32 with scripts/train/step_cost.py, the machine shared). The shipped UNet was trained on a
lent H100 this way (scripts/train/gpu_bundle.py carries the latents there and the weights back):
  python3 scripts/train/gpu_bundle.py pack --work .scratch/train-world --bundle .scratch/gpu --init .scratch/train-world/unet.pt
  # there:
  python3 scripts/train/gpu_bundle.py unpack --bundle .scratch/gpu --work /tmp/w
  python3 scripts/train/train_world.py unet --work /tmp/w --unet-init .scratch/gpu/init.pt \
      --unet-minutes 15 --unet-batch 256 --unet-lr 8e-4 --save-every 1000
  python3 scripts/train/gpu_bundle.py slim --work /tmp/w --out $OUT
  # here: unet-ema.pt as unet.pt in a work folder beside vae.pt and tokenizer/, then export
It was then fine-tuned on the CPU (about an hour, 2 cores) with half the captions missing words
(then each object's place with chance 0.8, the background 0.4, each size, style and colour word 0.25),
so that it also draws prompts like "a red star":
  python3 scripts/train/train_world.py unet --work .scratch/ft-places --unet-init .scratch/s8/unet-ema.pt \
      --unet-minutes 65 --unet-batch 64 --unet-lr 3e-4 --partial-captions 0.5 --save-every 100

Continuing from the shipped model (its work folder is gone): --from-model takes its tokenizer and VAE
as they are and starts the UNet and text encoder from its weights, with its latent scale; the data
stage renders the same 60,000 scenes again and encode makes their latents with the shipped VAE.
partial_caption now leaves out any subset of words, as `retouch eval prompts` asks for them:
  W=/work/train25/work
  nice -n 19 python3 scripts/train/train_world.py data encode unet --work $W --from-model models/world-sd \
      --unet-steps 4000 --unet-batch 64 --unet-lr 3e-4 --partial-captions 0.65 --save-every 100
  python3 scripts/train/train_world.py export --work $W --out /tmp/export   # any time, from the last checkpoint
  node bin/retouch.js eval prompts --model /tmp/export --seed 1              # tuning seed; reports use the default
That run drew short prompts but spread its cross-attention maps, which the edit methods read (MODEL_CARD.md).
--attention-teacher keeps the maps on full captions near the weights it started from while training goes on:
  python3 scripts/train/train_world.py unet --work W2 --unet-init $W/unet.pt --attention-teacher $W/from-model.pt \
      --attention-weight 0.1 --unet-steps 3000 --unet-lr 1.5e-4 --partial-captions 0.65 --save-every 100
--text-only trains the text encoder alone from the shipped weights, with its output on full captions and the
empty prompt held at theirs (--text-anchor), so the UNet, and what full captions draw and attend to, stay as shipped
(1,200 steps taught it nothing about short prompts: MODEL_CARD.md):
  python3 scripts/train/train_world.py unet --work W3 --unet-init $W/from-model.pt --text-only --text-anchor 30 \
      --unet-steps 3000 --unet-lr 1.5e-4 --partial-captions 0.75 --save-every 100
--word-map-weight adds to --attention-teacher a KL on each caption word's map over the picture (from the run above):
  python3 scripts/train/train_world.py unet --work W4 --unet-init W2/unet.pt --attention-teacher $W/from-model.pt \
      --attention-weight 0.5 --word-map-weight 2 --unet-steps 1500 --unet-lr 1e-4 --partial-captions 0.65 --save-every 100
"""
import argparse
import contextlib
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "scripts", "reference"))

try:
    import torch
except ImportError:  # a pyenv shim without torch: use Debian's python3-torch
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise
import numpy as np
import torch.nn.functional as F

from common import name_modules  # noqa: E402
from safetensors_io import save_file  # noqa: E402

IMAGE = 128
LATENT = IMAGE // 8
MAX_TOKENS = 77

VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "block_out_channels": [16, 32, 64, 64],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "force_upcast": False,
    "in_channels": 3,
    "latent_channels": 4,
    "latents_mean": None,
    "latents_std": None,
    "layers_per_block": 1,
    "mid_block_add_attention": True,
    "norm_num_groups": 8,
    "out_channels": 3,
    "sample_size": IMAGE,
    "scaling_factor": 1.0,  # replaced by 1/std of the training latents at export
    "shift_factor": None,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "use_post_quant_conv": True,
    "use_quant_conv": True,
}

UNET_CONFIG = {
    "_class_name": "UNet2DConditionModel",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "addition_embed_type": None,
    "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": None,
    "attention_head_dim": [1, 2, 3],  # diffusers reads this as heads per block: head size 32
    "attention_type": "default",
    "block_out_channels": [32, 64, 96],
    "center_input_sample": False,
    "class_embed_type": None,
    "class_embeddings_concat": False,
    "conv_in_kernel": 3,
    "conv_out_kernel": 3,
    "cross_attention_dim": 128,
    "cross_attention_norm": None,
    "down_block_types": ["CrossAttnDownBlock2D"] * 3,
    "downsample_padding": 1,
    "dropout": 0.0,
    "dual_cross_attention": False,
    "encoder_hid_dim": None,
    "encoder_hid_dim_type": None,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 1,
    "mid_block_only_cross_attention": None,
    "mid_block_scale_factor": 1,
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "norm_eps": 1e-05,
    "norm_num_groups": 16,
    "num_attention_heads": None,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": None,
    "resnet_out_scale_factor": 1.0,
    "resnet_skip_time_act": False,
    "resnet_time_scale_shift": "default",
    "sample_size": LATENT,
    "time_cond_proj_dim": None,
    "time_embedding_act_fn": None,
    "time_embedding_dim": None,
    "time_embedding_type": "positional",
    "timestep_post_act": None,
    "transformer_layers_per_block": 1,
    "up_block_types": ["CrossAttnUpBlock2D"] * 3,
    "upcast_attention": False,
    "use_linear_projection": False,
}

TEXT_CONFIG = {
    "architectures": ["CLIPTextModel"],
    "attention_dropout": 0.0,
    "bos_token_id": None,  # set from the vocabulary
    "eos_token_id": None,
    "hidden_act": "quick_gelu",
    "hidden_size": 128,
    "initializer_factor": 1.0,
    "initializer_range": 0.02,
    "intermediate_size": 512,
    "layer_norm_eps": 1e-05,
    "max_position_embeddings": MAX_TOKENS,
    "model_type": "clip_text_model",
    "num_attention_heads": 4,
    "num_hidden_layers": 4,
    "pad_token_id": 1,
    "projection_dim": 128,
    "torch_dtype": "float32",
    "transformers_version": "4.44.0",
    "vocab_size": None,
}

SCHEDULER_CONFIG = {
    "_class_name": "DDIMScheduler",
    "_diffusers_version": "0.30.0",
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "beta_start": 0.00085,
    "clip_sample": False,
    "num_train_timesteps": 1000,
    "prediction_type": "epsilon",
    "set_alpha_to_one": False,
    "steps_offset": 1,
    "timestep_spacing": "leading",
    "trained_betas": None,
}

# Words a user may type about this world that captions don't use; learned as whole tokens too.
EXTRA_WORDS = (
    "make turn change move put place remove delete erase add insert replace into to the it them bigger smaller "
    "larger left right top bottom middle center centre up down above below next beside instead of with without "
    "background colour color style shape size object objects picture image photo painting watercolor sketch "
    "red orange yellow green blue purple pink brown white black cyan grey gray less more very slightly "
    "circle square triangle star heart ring cross diamond circles squares triangles stars hearts rings crosses "
    "flat plain striped dotted outlined stripes dots outline sky grass night sand snow water"
)


class Stop(Exception):
    pass


class Budget:
    """Stops a stage cleanly on Ctrl-C, SIGTERM or when --minutes run out."""

    def __init__(self, minutes):
        self.deadline = time.time() + minutes * 60 if minutes else None
        self.interrupted = False
        signal.signal(signal.SIGINT, self._stop)
        signal.signal(signal.SIGTERM, self._stop)

    def _stop(self, *_):
        self.interrupted = True

    def over(self):
        return self.interrupted or (self.deadline is not None and time.time() > self.deadline)


def log(*parts):
    print(time.strftime("%H:%M:%S"), *parts, flush=True)


# ----------------------------------------------------------------------------- data


def stage_data(args):
    out = os.path.join(args.work, "data")
    if os.path.exists(os.path.join(out, "scenes.jsonl")):
        log("data: present in", out)
        return
    cmd = ["node", "--import", "tsx", os.path.join(HERE, "export-world.ts"), "--out", out, "--count", str(args.scenes)]
    log("data:", " ".join(cmd))
    subprocess.run(cmd, check=True, cwd=ROOT)


def load_images(work):
    path = os.path.join(work, "data", "images.u8")
    n = os.path.getsize(path) // (IMAGE * IMAGE * 3)
    return np.memmap(path, dtype=np.uint8, mode="r", shape=(n, IMAGE, IMAGE, 3))


def load_captions(work):
    with open(os.path.join(work, "data", "captions.txt"), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f]


def to_tensor(batch):
    x = torch.from_numpy(np.ascontiguousarray(batch)).permute(0, 3, 1, 2).float()
    return x / 127.5 - 1.0


# ----------------------------------------------------------------------------- tokenizer


def stage_tokenizer(args):
    import tokenizer as tk

    out = os.path.join(args.work, "tokenizer")
    if os.path.exists(os.path.join(out, "vocab.json")):
        log("tokenizer: present in", out)
        return
    os.makedirs(out, exist_ok=True)
    captions = load_captions(args.work)
    words = sorted({w for c in captions for w in tk.pieces(c)} | set(EXTRA_WORDS.split()))
    # Each word once per weight so frequent letters pair first, and enough merges that every
    # world word ends as one token; other text still splits into byte pieces.
    corpus = [" ".join(words)] * 4 + captions[:2000]
    merges = tk.learn_bpe(corpus, args.merges)
    vocab = tk.build_vocab(merges)
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    tok = tk.CLIPTokenizer(vocab, merges)
    split = [w for w in words if len(tok.encode(w)) > 1]
    log(f"tokenizer: {len(vocab)} entries, {len(merges)} merges; words not single tokens: {split}")


def load_tokenizer(work):
    import tokenizer as tk

    d = os.path.join(work, "tokenizer")
    with open(os.path.join(d, "vocab.json"), encoding="utf-8") as f:
        vocab = json.load(f)
    with open(os.path.join(d, "merges.txt"), encoding="utf-8") as f:
        merges = [tuple(line.split()) for line in f.read().splitlines()[1:] if line]
    return tk.CLIPTokenizer(vocab, merges), vocab


# Prompts with words left out, sampled as src/eval/prompts.ts samples the prompts it evaluates: each
# object is named by its shape and 0-4 of its place, size, style and colour words (fewer likelier,
# every subset of a length equally likely; a flat object has no style word), the background half the time.
PROMPT_WORDS = ("place", "size", "style", "colour")
PROMPT_WORD_WEIGHTS = (0.3, 0.3, 0.2, 0.12, 0.08)
PROMPT_BACKGROUND_CHANCE = 0.5


def object_phrase(o, named):
    words = [o["size"]] if "size" in named else []
    words += [o["style"]] if "style" in named else []
    words += [o["colour"]] if "colour" in named else []
    words.append(o["shape"])
    article = "an" if words[0][0] in "aeiou" else "a"
    return " ".join([article] + words) + (f" in the {o['position']}" if "place" in named else "")


def partial_caption(scene, rng):
    """The scene's caption with words left out, as people write prompts ("a star", "a red star on sand",
    "a red star and a blue heart"). Objects keep reading order when any is given its place (the
    world's grammar), and come in a random order otherwise, as users name them."""
    objects = []
    for o in scene["objects"]:
        available = [w for w in PROMPT_WORDS if w != "style" or o["style"] != "flat"]
        weights = np.array(PROMPT_WORD_WEIGHTS[: len(available) + 1])
        k = rng.choice(len(weights), p=weights / weights.sum())
        objects.append((o, {available[i] for i in rng.permutation(len(available))[:k]}))
    if not any("place" in named for _, named in objects):
        objects = [objects[i] for i in rng.permutation(len(objects))]
    text = " and ".join(object_phrase(o, named) for o, named in objects)
    return f"{text} on {scene['background']}" if rng.random() < PROMPT_BACKGROUND_CHANCE else text


def load_scenes(work):
    with open(os.path.join(work, "data", "scenes.jsonl"), encoding="utf-8") as f:
        return [json.loads(line) for line in f]


def encode_captions(tok, vocab, captions):
    """SD-1 layout: bos, tokens, eos, padded with eos to 77."""
    bos, eos = vocab["<|startoftext|>"], vocab["<|endoftext|>"]
    ids = np.full((len(captions), MAX_TOKENS), eos, dtype=np.int64)
    cache = {}
    for i, c in enumerate(captions):
        if c not in cache:
            cache[c] = [bos] + tok.encode(c)[: MAX_TOKENS - 2] + [eos]
        row = cache[c]
        ids[i, : len(row)] = row
    return ids


# ----------------------------------------------------------------------------- checkpoints


def save_checkpoint(path, **state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # a crash mid-save never leaves a broken checkpoint


def load_checkpoint(path):
    return torch.load(path, map_location="cpu") if os.path.exists(path) else None


def optimise(opt, params, loss, lr):
    """One AdamW step at learning rate `lr`, gradients clipped to norm 1."""
    for g in opt.param_groups:
        g["lr"] = lr
    opt.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(params, 1.0)
    opt.step()


def cosine_lr(step, total, peak, warmup):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = min(1.0, (step - warmup) / max(1, total - warmup))
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * p)))


# ----------------------------------------------------------------------------- VAE


def make_vae():
    from vae import AutoencoderKL

    vae = AutoencoderKL(VAE_CONFIG)
    name_modules(vae)
    return vae


def stage_vae(args, budget):
    images = load_images(args.work)
    objects = load_objects(args.work)
    n_train = len(images) - args.held_out
    vae = make_vae()
    opt = torch.optim.AdamW(vae.parameters(), lr=args.vae_lr, weight_decay=0.0)
    path = os.path.join(args.work, "vae.pt")
    ck = load_checkpoint(path)
    step, started_from = 0, None
    if ck:
        vae.load_state_dict(ck["model"])
        if ck["opt"] is not None:  # None: imported from a model folder (--from-model)
            opt.load_state_dict(ck["opt"])
        step, started_from = ck["step"], ck.get("started_from")
    elif args.vae_init:
        # A new run from an earlier VAE's weights (its own schedule from step 0), e.g. the shipped VAE
        # retrained for patterns; --latent-anchor keeps its latents near the earlier encoder's.
        init = load_checkpoint(args.vae_init)
        vae.load_state_dict(init["model"])
        started_from = {"checkpoint": os.path.relpath(os.path.abspath(args.vae_init), ROOT), "step": init["step"],
                        "started_from": init.get("started_from")}
        log(f"vae: starting from {args.vae_init} (step {init['step']})")
    if step >= args.vae_steps:
        log(f"vae: done ({step} steps)")
        return
    anchor = None
    if args.latent_anchor:
        if not started_from:
            sys.exit("vae: --latent-anchor keeps the latents of the VAE --vae-init names; give one")
        anchor = make_vae()
        anchor.load_state_dict(load_checkpoint(os.path.join(ROOT, started_from["checkpoint"]))["model"])
        anchor.eval()
    rng = np.random.default_rng(1000 + step)
    log(f"vae: {sum(p.numel() for p in vae.parameters())} parameters, from step {step} to {args.vae_steps}"
        f" (object weight {args.object_weight}, pattern weight {args.pattern_weight}, edge weight {args.edge_weight}, texture weight {args.texture_weight},"
        f" latent anchor {args.latent_anchor})")
    t0, seen, running = time.time(), 0, None
    save = lambda: save_checkpoint(path, model=vae.state_dict(), opt=opt.state_dict(), step=step, started_from=started_from,
                                   losses={"object_weight": args.object_weight, "pattern_weight": args.pattern_weight,
                                           "edge_weight": args.edge_weight, "texture_weight": args.texture_weight,
                                           "latent_anchor": args.latent_anchor})
    vae.train()
    while step < args.vae_steps and not budget.over():
        x, mask = vae_batch(images, objects, n_train, step, args, rng)
        mean, logvar = vae.encode(x)
        z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = vae.decode(z)
        rec = reconstruction_loss(y, x, mask, args.object_weight, args.pattern_weight, args.edge_weight, args.texture_weight)
        kl = 0.5 * torch.mean(mean.pow(2) + logvar.exp() - 1.0 - logvar)
        loss = rec + args.kl * kl
        if anchor is not None:
            with torch.no_grad():
                kept = anchor.encode(x)[0]
            # In units of the latents' spread (about 3.8), so the weight reads the same for any VAE.
            loss = loss + args.latent_anchor * F.mse_loss(mean, kept) / kept.var().clamp_min(1e-6)
        optimise(opt, vae.parameters(), loss, cosine_lr(step, args.vae_steps, args.vae_lr, 100 if started_from else 200))
        step += 1
        seen += len(x) * (x.shape[-1] / args.vae_crop) ** 2  # in crop-sized images
        mse = F.mse_loss(y.detach().clamp(-1, 1), x).item() / 4.0  # in [0,1] units
        running = mse if running is None else 0.98 * running + 0.02 * mse
        if step % 50 == 0:
            log(f"vae step {step} loss {loss.item():.5f} psnr~{10 * math.log10(1 / max(running, 1e-10)):.2f} dB "
                f"kl {kl.item():.3f} {seen / (time.time() - t0):.1f} img/s")
        if step % 500 == 0:
            save()
    save()
    log(f"vae: saved at step {step}")
    if step < args.vae_steps:
        raise Stop()


def crops(x, size, rng, objects, object_share):
    """Crops of the images, and masks of each crop's object discs (channel 0) and of its patterned
    objects' discs (channel 1), for the VAE's loss.

    The VAE is convolutional: training on crops costs a sixth of full images on this CPU. But
    objects cover a few percent of a scene, and crops taken anywhere taught the first VAE
    backgrounds: it drew most objects orange, whatever their colour. So `object_share` of the crops are centred on one of the image's
    objects (jittered by up to a quarter crop), and the mask lets the loss weigh object pixels more.
    """
    n, _, h, w = x.shape
    limit = w - size
    offsets = rng.integers(0, limit + 1, size=(n, 2)) if limit > 0 else np.zeros((n, 2), dtype=np.int64)
    if limit > 0:
        for i, discs in enumerate(objects):
            if discs and rng.random() < object_share:
                cx, cy = discs[rng.integers(len(discs))][:2]
                jitter = rng.integers(-size // 4, size // 4 + 1, size=2)
                offsets[i] = np.clip([round(cy) - size // 2 + jitter[0], round(cx) - size // 2 + jitter[1]], 0, limit)
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    masks = np.zeros((n, 2, size, size), dtype=np.float32)
    for i, ((oy, ox), discs) in enumerate(zip(offsets, objects)):
        for cx, cy, r, patterned in discs:
            disc = (xs + ox - cx) ** 2 + (ys + oy - cy) ** 2 <= (1.25 * r) ** 2
            masks[i, 0] = np.maximum(masks[i, 0], disc)
            masks[i, 1] = np.maximum(masks[i, 1], disc * patterned)
    out = torch.stack([img[:, oy : oy + size, ox : ox + size] for img, (oy, ox) in zip(x, offsets)])
    return out, torch.from_numpy(masks)


def vae_batch(images, objects, n_train, step, args, rng):
    """A training batch for the VAE: crops (see `crops`), and every `full_every`-th step whole images
    in the same number of pixels. The VAE's mid-block attention spans the whole latent, so one
    trained on crops alone sees 8x8 latents and misjudges the 16x16 of a whole image (bands across
    the sky); whole images teach it the real size and the image borders."""
    size = args.vae_crop
    count = args.vae_batch
    if args.full_every and step % args.full_every == args.full_every - 1:
        count = max(1, args.vae_batch * size * size // (IMAGE * IMAGE))
        size = IMAGE
    idx = np.sort(rng.choice(n_train, count, replace=False))
    return crops(to_tensor(images[idx]), size, rng, [objects[i] for i in idx], args.object_crops)


def load_objects(work):
    """Each scene's objects as discs (centre x, centre y, radius in pixels, 1 if striped, dotted or
    outlined else 0), from the world's 3x3 grid and size radii (src/world/vocabulary.ts)."""
    names = ["top left", "top middle", "top right", "middle left", "center", "middle right",
             "bottom left", "bottom middle", "bottom right"]
    radius = {"small": 0.07, "medium": 0.105, "large": 0.14}
    objects = []
    with open(os.path.join(work, "data", "scenes.jsonl"), encoding="utf-8") as f:
        for line in f:
            discs = []
            for o in json.loads(line)["objects"]:
                k = names.index(o["position"])
                discs.append((((k % 3) + 0.5) / 3 * IMAGE, ((k // 3) + 0.5) / 3 * IMAGE, radius[o["size"]] * IMAGE,
                              float(o["style"] != "flat")))
            objects.append(discs)
    return objects


_GABOR = {}


def gabor_bank(size=11, sigma=2.5):
    """Quadrature (cos, sin) pairs under a Gaussian envelope, as (2K, 1, size, size) conv weights, at the
    frequencies the world's patterns repeat at (src/world/render.ts patternGeometry at 128 px): stripes
    along x + y and x - y, the dot grid along x and y, and a higher band in four orientations for
    outlines and pattern edges. Zero mean: flat colour has no energy in any band."""
    if size not in _GABOR:
        r = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
        yy, xx = torch.meshgrid(r, r, indexing="ij")
        envelope = torch.exp(-(xx**2 + yy**2) / (2 * sigma**2))
        waves = [(xx + yy) / 6.0, (xx - yy) / 6.0, xx / 6.5, yy / 6.5, xx / 4.0, yy / 4.0, (xx + yy) / 5.66, (xx - yy) / 5.66]
        kernels = []
        for w in waves:
            for f in (torch.cos, torch.sin):
                k = envelope * f(2 * math.pi * w)
                kernels.append(k - envelope * k.sum() / envelope.sum())
        bank = torch.stack(kernels)[:, None]
        _GABOR[size] = bank / bank.abs().sum(dim=(1, 2, 3), keepdim=True)
    return _GABOR[size]


def texture_loss(y, x, region):
    """Mean |E(y) - E(x)| over `region` (N,1,H,W), E the luminance's local energy in each band of
    gabor_bank. Energy ignores phase: an encoder and decoder that cannot place each stripe still score
    for drawing stripes (MSE scores the flat mean colour best, so the encoder learns to drop them)."""
    bank = gabor_bank().to(y.dtype)
    lum = torch.tensor([0.299, 0.587, 0.114], dtype=y.dtype).view(1, 3, 1, 1)

    def energy(t):
        r = F.conv2d((t * lum).sum(dim=1, keepdim=True), bank, padding=bank.shape[-1] // 2)
        return torch.sqrt(r[:, 0::2] ** 2 + r[:, 1::2] ** 2 + 1e-6)

    diff = (energy(y) - energy(x)).abs().mean(dim=1, keepdim=True)
    return (region * diff).sum() / region.sum().clamp_min(1.0)


def reconstruction_loss(y, x, mask, object_weight, pattern_weight=0.0, edge_weight=0.0, texture_weight=0.0):
    """MSE + L1/2 per pixel, object pixels weighted (1 + object_weight) times a background pixel and
    patterned objects' pixels pattern_weight more; with edge_weight, also the L1 distance of the
    horizontal and vertical pixel differences on objects, where stripes, dots and outlines live and
    which a blurred flat object gets wrong at little cost in plain MSE."""
    objects, patterned = mask[:, :1], mask[:, 1:2]
    weight = 1.0 + object_weight * objects + pattern_weight * patterned
    per_pixel = (y - x) ** 2 + 0.5 * (y - x).abs()
    loss = (weight * per_pixel).sum() / (weight.sum() * x.shape[1])
    if edge_weight:
        edges = 0.0
        for axis in (2, 3):
            dy, dx = torch.diff(y, dim=axis), torch.diff(x, dim=axis)
            on = objects.narrow(axis, 0, objects.shape[axis] - 1)
            edges = edges + (on * (dy - dx).abs()).sum() / (on.sum() * x.shape[1] + 1e-6)
        loss = loss + edge_weight * edges
    if texture_weight:
        loss = loss + texture_weight * texture_loss(y, x, mask[:, :1])
    return loss


@torch.no_grad()
def vae_psnr(vae, images, start, count):
    vae.eval()
    total = 0.0
    for i in range(start, start + count, 32):
        x = to_tensor(images[i : min(i + 32, start + count)])
        y = vae.decode(vae.encode(x)[0]).clamp(-1, 1)
        x8 = torch.round((x + 1) * 127.5)
        y8 = torch.round((y + 1) * 127.5)
        mse = ((x8 - y8) ** 2).mean(dim=(1, 2, 3))
        total += (10 * torch.log10(255.0**2 / mse.clamp_min(1e-10))).sum().item()
    return total / count


def stage_decoder(args, budget):
    """Fine-tunes the decoder alone: the latent space (and so the trained UNet) stays as it is."""
    images = load_images(args.work)
    objects = load_objects(args.work)
    n_train = len(images) - args.held_out
    vae = make_vae()
    path = os.path.join(args.work, "vae-decoder.pt")
    ck = load_checkpoint(path)
    base = load_checkpoint(os.path.join(args.work, "vae.pt"))
    if ck and ck.get("vae_step") != base["step"]:
        sys.exit(f"decoder: {path} fine-tunes VAE step {ck.get('vae_step')}, but vae.pt is now at step {base['step']}; "
                 "move it aside to fine-tune the new VAE")
    vae.load_state_dict(ck["model"] if ck else base["model"])
    for p in list(vae.encoder.parameters()) + list(vae.quant_conv.parameters()):
        p.requires_grad_(False)
    params = list(vae.decoder.parameters()) + list(vae.post_quant_conv.parameters())
    opt = torch.optim.AdamW(params, lr=args.decoder_lr, weight_decay=0.0)
    step = 0
    if ck:
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
    if step >= args.decoder_steps:
        log(f"decoder: done ({step} steps)")
        return
    rng = np.random.default_rng(4000 + step)
    t0, seen, running = time.time(), 0, None
    vae.train()
    while step < args.decoder_steps and not budget.over():
        x, mask = vae_batch(images, objects, n_train, step, args, rng)
        with torch.no_grad():
            mean, logvar = vae.encode(x)
            z = mean + torch.exp(0.5 * logvar) * torch.randn_like(mean)
        y = vae.decode(z)
        loss = reconstruction_loss(y, x, mask, args.object_weight)
        optimise(opt, params, loss, cosine_lr(step, args.decoder_steps, args.decoder_lr, 100))
        step += 1
        seen += len(x) * (x.shape[-1] / args.vae_crop) ** 2
        mse = F.mse_loss(y.detach().clamp(-1, 1), x).item() / 4.0
        running = mse if running is None else 0.98 * running + 0.02 * mse
        if step % 50 == 0:
            log(f"decoder step {step} psnr~{10 * math.log10(1 / max(running, 1e-10)):.2f} dB {seen / (time.time() - t0):.1f} img/s")
        if step % 500 == 0:
            save_checkpoint(path, model=vae.state_dict(), opt=opt.state_dict(), step=step, vae_step=base["step"])
    save_checkpoint(path, model=vae.state_dict(), opt=opt.state_dict(), step=step, vae_step=base["step"])
    log(f"decoder: saved at step {step}, held-out VAE PSNR {vae_psnr(vae, images, len(images) - args.held_out, 256):.2f} dB")
    if step < args.decoder_steps:
        raise Stop()


def latents_vae_step(work):
    """The VAE step whose encoder made latents.npy (None for latents from before this was recorded)."""
    path = os.path.join(work, "latents.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as f:
        return json.load(f)["vae_step"]


def stage_encode(args, budget):
    path = os.path.join(args.work, "latents.npy")
    vae_ck = load_checkpoint(os.path.join(args.work, "vae.pt"))
    if os.path.exists(path) and latents_vae_step(args.work) == vae_ck["step"]:
        log("encode: present")
        return
    images = load_images(args.work)
    count = min(len(images), args.encode_count or len(images))
    images = images[:count]
    vae = make_vae()
    vae.load_state_dict(vae_ck["model"])
    vae.eval()
    out = np.zeros((len(images), 8, LATENT, LATENT), dtype=np.float32)
    t0 = time.time()
    with torch.no_grad():
        for i in range(0, len(images), 64):
            if i % 3200 == 0:
                log(f"encode: {i}/{len(images)} {i / max(time.time() - t0, 1e-9):.1f} img/s")
            mean, logvar = vae.encode(to_tensor(images[i : i + 64]))
            out[i : i + 64, :4] = mean.numpy()
            out[i : i + 64, 4:] = torch.exp(0.5 * logvar).numpy()
            if budget.over():
                raise Stop()
    np.save(path + ".tmp.npy", out)
    os.replace(path + ".tmp.npy", path)
    write_json(os.path.join(args.work, "latents.json"), {"vae_step": vae_ck["step"], "count": len(images)})
    std = float(out[:, :4].std())
    log(f"encode: {len(images)} latents, std {std:.4f}, held-out VAE PSNR {vae_psnr(vae, images, len(images) - args.held_out, min(args.held_out, 256)):.2f} dB")


# ----------------------------------------------------------------------------- UNet + text encoder


def make_text_model(vocab):
    from clip import CLIPTextModel

    cfg = dict(TEXT_CONFIG, vocab_size=len(vocab), bos_token_id=vocab["<|startoftext|>"], eos_token_id=vocab["<|endoftext|>"])
    model = CLIPTextModel(cfg)
    name_modules(model)
    return model, cfg


def make_unet():
    from unet import UNet2DConditionModel

    unet = UNet2DConditionModel(UNET_CONFIG)
    name_modules(unet)
    return unet


def norms_in_fp32(model):
    """torch 1.13's CPU autocast has no rule for group_norm and layer_norm: a bf16 activation meets fp32
    weights and fails. Their inputs are cast to fp32, as CUDA autocast does; the next conv or linear
    casts back."""
    for m in model.modules():
        if isinstance(m, (torch.nn.GroupNorm, torch.nn.LayerNorm)):
            m.register_forward_pre_hook(lambda _, inputs: tuple(x.float() for x in inputs))
    return model


def alphas_cumprod():
    betas = torch.linspace(0.00085**0.5, 0.012**0.5, 1000, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


def split_ema(ema):
    """An EMA state (text encoder keys prefixed "text.") as the UNet's state and the text encoder's."""
    return ({k: v for k, v in ema.items() if not k.startswith("text.")},
            {k[len("text."):]: v for k, v in ema.items() if k.startswith("text.")})


def checkpoint_weights(ck):
    """The UNet's and text encoder's states to start from or compare with: a checkpoint's EMA where it keeps
    one (a work folder's unet.pt, from-model.pt, gpu_bundle.py slim's unet-ema.pt), else its weights."""
    return split_ema(ck["ema"]) if "ema" in ck else (ck["unet"], ck["text"])


def ema_copy(unet, text):
    """EMA weights starting at the models' current weights (text encoder keys prefixed "text.")."""
    state = list(unet.state_dict().items()) + [("text." + k, v) for k, v in text.state_dict().items()]
    return {k: v.detach().clone() for k, v in state}


def stage_unet(args, budget):
    dev = torch.device(args.device)
    tok, vocab = load_tokenizer(args.work)
    lat = np.load(os.path.join(args.work, "latents.npy"), mmap_mode="r")
    captions = load_captions(args.work)[: len(lat)]
    scenes = load_scenes(args.work) if args.partial_captions or args.multi_object_weight != 1 else None
    ids_all = torch.from_numpy(encode_captions(tok, vocab, captions))
    empty = torch.from_numpy(encode_captions(tok, vocab, [""]))[0]
    n_train = len(lat) - args.held_out
    scale = 1.0 / float(np.asarray(lat[: min(n_train, 8192), :4]).std())
    if dev.type == "cuda":
        # Everything fits on the card: latents (0.5 GB) and captions are indexed there, no loader.
        lat = torch.from_numpy(np.asarray(lat)).to(dev)
        ids_all, empty = ids_all.to(dev), empty.to(dev)
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    unet = make_unet()
    text, _ = make_text_model(vocab)
    ema = ema_copy(unet, text)
    if args.text_only:
        unet.requires_grad_(False)
    params = list(text.parameters()) if args.text_only else list(unet.parameters()) + list(text.parameters())
    opt = torch.optim.AdamW(params, lr=args.unet_lr, weight_decay=0.01)
    path = os.path.join(args.work, "unet.pt")
    ck = load_checkpoint(path)
    step, total = 0, args.unet_steps
    started_from = None  # the run this one was warm-started from, kept in its checkpoints and training.json
    vae_step = latents_vae_step(args.work)
    if ck and ck.get("vae_step") != vae_step:
        sys.exit(f"unet: {path} was trained on the latents of VAE step {ck.get('vae_step')}, but latents.npy now comes "
                 f"from VAE step {vae_step}; move the checkpoint aside to train the UNet afresh on the new latent space")
    if ck:
        unet.load_state_dict(ck["unet"])
        text.load_state_dict(ck["text"])
        opt.load_state_dict(ck["opt"])
        ema = ck["ema"]
        step = ck["step"]
        total = ck.get("total", total)
        started_from = ck.get("started_from")
        scale = ck.get("scale") or scale  # the scale it has trained with, not one re-derived from the latents
    elif args.unet_init:
        # A warm start from a UNet trained on an earlier VAE's latents (or on another machine): what
        # it learned of the captions and backgrounds carries over; optimiser and schedule start afresh.
        init = load_checkpoint(args.unet_init)
        if "ema" in init:
            scale = init.get("scale") or scale  # keep the latent scale the initial UNet learned with
        unet_state, text_state = checkpoint_weights(init)
        unet.load_state_dict(unet_state)
        text.load_state_dict(text_state)
        ema = ema_copy(unet, text)
        started_from = {"checkpoint": init.get("name", os.path.basename(args.unet_init)), "step": init["step"], "started_from": init.get("started_from")}
        log(f"unet: starting from the weights of {args.unet_init} (step {init['step']}, VAE step {init.get('vae_step')})")
    if args.unet_minutes and not ck:
        total = 0  # set once the first steps are timed
    elif step >= total:
        log(f"unet: done ({step} steps)")
        return
    unet.to(dev)
    text.to(dev)
    ema = {k: v.to(dev) for k, v in ema.items()}
    opt_state_to(opt, dev)
    # The EMA's float tensors and the live ones they follow; state_dict() tensors share storage with
    # the parameters, which the optimiser updates in place, so both lists are made once.
    live = dict(unet.state_dict(), **{"text." + k: v for k, v in text.state_dict().items()})
    ema_float = [k for k, v in ema.items() if v.is_floating_point()]
    ema_targets, ema_sources = [ema[k] for k in ema_float], [live[k] for k in ema_float]
    ac = alphas_cumprod().to(dev)
    snr = ac / (1 - ac)
    rng = np.random.default_rng(2000 + step)
    gen = torch.Generator(device=dev).manual_seed(3000 + step)
    bf16 = dev.type == "cuda" or args.bf16
    autocast = torch.autocast(dev.type, dtype=torch.bfloat16) if bf16 else contextlib.nullcontext()
    if bf16 and dev.type == "cpu":
        norms_in_fp32(unet)
        norms_in_fp32(text)
    teacher = attention_teacher(args, vocab, unet, dev, bf16) if args.attention_teacher else None
    anchor = text_anchor(args, vocab, dev, bf16) if args.text_anchor else None
    log(f"unet: {sum(p.numel() for p in unet.parameters())} + text {sum(p.numel() for p in text.parameters())} parameters, "
        f"latent scale {scale:.5f}, batch {args.unet_batch} on {dev}{' (bf16 autocast)' if bf16 else ''}, "
        f"partial captions {args.partial_captions}, from step {step} to {total or '(timing)'}")
    sample_weights = None
    if args.multi_object_weight != 1:
        # Scenes of two or three objects drawn more often: binding each colour to its shape is what
        # short two-object prompts get wrong most.
        w = np.array([args.multi_object_weight if len(s["objects"]) > 1 else 1.0 for s in scenes[:n_train]])
        sample_weights = w / w.sum()
    t0, seen, window, t_window = time.time(), 0, [], time.time()
    kl_window, anchor_window = [], []
    unet.train()
    text.train()

    def save():
        save_checkpoint(path, unet=unet.state_dict(), text=text.state_dict(), opt=opt.state_dict(), ema=ema, step=step,
                        total=total, scale=scale, vae_step=vae_step,
                        started_from=started_from, partial_captions=args.partial_captions,
                        partial_caption_scheme="subsets" if args.partial_captions else None,
                        multi_object_weight=args.multi_object_weight, text_only=args.text_only,
                        text_anchor={"checkpoint": args.unet_init, "weight": args.text_anchor} if anchor else None,
                        attention_teacher={"checkpoint": args.attention_teacher, "weight": args.attention_weight,
                                           "word_map_weight": args.word_map_weight} if teacher else None)

    while (not total or step < total) and not budget.over():
        idx = torch.from_numpy(np.sort(rng.choice(n_train, args.unet_batch, replace=False, p=sample_weights)))
        d = lat[idx.to(dev)] if dev.type == "cuda" else torch.from_numpy(np.ascontiguousarray(lat[idx.numpy()]))
        x0 = (d[:, :4] + d[:, 4:] * torch.randn(d[:, :4].shape, generator=gen, device=dev)) * scale
        ids = ids_all[idx.to(ids_all.device)].clone()
        partial = [i for i in range(len(idx)) if rng.random() < args.partial_captions]
        if partial:
            texts = [partial_caption(scenes[int(idx[i])], rng) for i in partial]
            ids[partial] = torch.from_numpy(encode_captions(tok, vocab, texts)).to(ids.device)
        drop = torch.rand(len(idx), generator=gen, device=dev) < 0.1
        ids[drop] = empty
        t = torch.randint(0, 1000, (len(idx),), generator=gen, device=dev)
        noise = torch.randn(x0.shape, generator=gen, device=dev)
        a = ac[t].view(-1, 1, 1, 1)
        xt = a.sqrt() * x0 + (1 - a).sqrt() * noise
        with autocast:
            ctx = text(ids)[0]
            pred = unet(xt, t, ctx).float()
        w = torch.clamp(snr[t], max=5.0) / snr[t]  # min-SNR-5 weighting for epsilon prediction
        loss = (w * ((pred - noise) ** 2).mean(dim=(1, 2, 3))).mean()
        window.append(loss.item())  # the diffusion loss alone; the KL and the anchor are logged apart
        if teacher is not None:
            full = ~drop.cpu()
            full[partial] = False
            if full.any():
                queries_kl, words_kl = teacher.divergence(xt, t, ids, full.to(dev), autocast)
                loss = loss + args.attention_weight * queries_kl + args.word_map_weight * words_kl
                kl_window.append((queries_kl.item(), words_kl.item()))
        if anchor is not None:
            kept = torch.ones(len(idx), dtype=torch.bool)
            kept[partial] = False
            kept = kept.to(dev)
            with torch.no_grad(), autocast:
                ref = anchor(ids[kept])[0].float()
            drift = ((ctx[kept].float() - ref) ** 2).mean() / (ref**2).mean()
            loss = loss + args.text_anchor * drift
            anchor_window.append(drift.item())
        optimise(opt, params, loss, cosine_lr(step, total or 10**9, args.unet_lr, min(300, total // 10) if total else 300))
        step += 1
        seen += len(idx)
        decay = min(args.ema, (1 + step) / (10 + step))
        with torch.no_grad():
            torch._foreach_mul_(ema_targets, decay)
            torch._foreach_add_(ema_targets, ema_sources, alpha=1 - decay)
        if step == 100 and not total:
            # --unet-minutes: the schedule ends when the time does, at the pace of the first 100 steps
            total = max(400, int(args.unet_minutes * 60 / ((time.time() - t0) / 100)))
            log(f"unet: {(time.time() - t0) / 100 * 1000:.0f} ms per step, schedule set to {total} steps")
        if step % 50 == 0:
            if kl_window:
                q, w = (sum(k[i] for k in kl_window) / len(kl_window) for i in (0, 1))
                log(f"unet step {step} attention KL to the teacher: queries {q:.4f}, words {w:.4f} (full captions, mean of the last {len(kl_window)})")
                kl_window = []
            if anchor_window:
                log(f"unet step {step} text encoder drift from {args.unet_init} {sum(anchor_window) / len(anchor_window):.2e} "
                    f"(relative squared error on full captions and the empty prompt, mean of the last {len(anchor_window)})")
                anchor_window = []
            log(f"unet step {step} diffusion loss {sum(window) / len(window):.4f} (mean of the last {len(window)}) lr {opt.param_groups[0]['lr']:.2e} "
                f"{(time.time() - t_window) / len(window) * 1000:.0f} ms/step {seen / (time.time() - t0):.1f} samples/s")
            window, t_window = [], time.time()
        if step % args.save_every == 0:
            save()
    save()
    log(f"unet: saved at step {step}")
    if step < total:
        raise Stop()


class AttentionTeacher:
    """A frozen earlier UNet and text encoder whose cross-attention maps the student is kept near.

    Training on prompts with words left out taught the first short-prompt fine-tune those prompts, and
    spread its cross-attention: the shape word's map, which MasaCtrl and Prompt-to-Prompt's local blend
    read as the object's mask, fell from IoU 0.36 to 0.19 with the object (test/methods/masactrl.test.ts).
    On the samples trained on their full caption, two divergences from the teacher's maps are measured at
    every cross-attention layer and head (KL, teacher to student): each query's attention over the
    caption's tokens (`queries`), and each word's attention over the picture, the map the methods read as
    the word's mask (`words`: the caption's own tokens, not the start token or the end-of-text padding)."""

    def __init__(self, unet, text, student, eos):
        self.unet, self.text, self.eos = unet, text, eos
        self.teacher_layers, self.student_layers = cross_attention(unet), cross_attention(student)
        for m in self.teacher_layers + self.student_layers:
            m.keep_probs = True

    def divergence(self, xt, t, ids, full, autocast):
        """(queries, words): the two KLs, averaged over layers (and heads, queries or words)."""
        ids = ids[full]
        with torch.no_grad(), autocast:
            self.unet(xt[full], t[full], self.text(ids)[0])
        position = torch.arange(ids.shape[1], device=ids.device)
        end = (ids == self.eos).float().argmax(1, keepdim=True)  # the first end-of-text token
        words = ((position >= 1) & (position < end)).float()  # (B, T)
        queries_kl, words_kl = 0.0, 0.0
        for s_m, t_m in zip(self.student_layers, self.teacher_layers):
            student = s_m.last_probs.float()
            student = student.view(len(xt), -1, *student.shape[1:])[full]  # (B, heads, queries, tokens)
            teacher = t_m.last_probs.float().view_as(student)
            queries_kl = queries_kl + kl(teacher, student, -1).mean()
            word_kl = kl(teacher / teacher.sum(2, keepdim=True), student / student.sum(2, keepdim=True), 2)  # (B, heads, T)
            words_kl = words_kl + (word_kl.mean(1) * words).sum() / words.sum()
        return queries_kl / len(self.student_layers), words_kl / len(self.student_layers)


def kl(p, q, dim):
    return (p * (p.clamp_min(1e-8).log() - q.clamp_min(1e-8).log())).sum(dim)


def cross_attention(unet):
    return [m for name, m in unet.named_modules() if name.endswith("attn2")]


def attention_teacher(args, vocab, student, dev, bf16):
    ck = load_checkpoint(args.attention_teacher)
    unet_state, text_state = checkpoint_weights(ck)
    unet, (text, _) = make_unet(), make_text_model(vocab)
    unet.load_state_dict(unet_state)
    text.load_state_dict(text_state)
    for m in (unet, text):
        m.to(dev).eval().requires_grad_(False)
        if bf16 and dev.type == "cpu":
            norms_in_fp32(m)
    log(f"unet: cross-attention kept near {args.attention_teacher}'s on full captions (queries' KL weight {args.attention_weight}, words' {args.word_map_weight})")
    return AttentionTeacher(unet, text, student, vocab["<|endoftext|>"])


def text_anchor(args, vocab, dev, bf16):
    """The text encoder of --unet-init, frozen: with --text-only the UNet never changes, and the text encoder's
    output on full captions and on the empty prompt is kept at this one's, so everything a full caption drew
    (and every method that reads its attention) stays as it was while the encoder learns short prompts."""
    if not args.unet_init:
        sys.exit("--text-anchor keeps the text encoder near --unet-init's; give --unet-init")
    _, text_state = checkpoint_weights(load_checkpoint(args.unet_init))
    text, _ = make_text_model(vocab)
    text.load_state_dict(text_state)
    text.to(dev).eval().requires_grad_(False)
    if bf16 and dev.type == "cpu":
        norms_in_fp32(text)
    log(f"unet: text encoder output on full captions and the empty prompt kept near {args.unet_init}'s (weight {args.text_anchor})")
    return text


def opt_state_to(opt, dev):
    for state in opt.state.values():
        for k, v in state.items():
            if torch.is_tensor(v) and k != "step":
                state[k] = v.to(dev)


# ----------------------------------------------------------------------------- a shipped model as the start


def load_safetensors(path):
    from safetensors_io import load_file

    state, _ = load_file(path)
    return {k: torch.from_numpy(v).float() if v.dtype.kind == "f" else torch.from_numpy(v) for k, v in state.items()}


def stage_import(args):
    """--from-model DIR: a work folder that continues from a model folder (models/world-sd) instead of
    its own earlier stages. Its tokenizer and VAE are taken as they are (vae.pt at the model's VAE step,
    so the vae stage has nothing to do and the encode stage encodes with it), and the UNet and text
    encoder weights become --unet-init, with the model's latent scale, so the latent space matches."""
    src = args.from_model
    with open(os.path.join(src, "training.json"), encoding="utf-8") as f:
        training = json.load(f)
    tok_dir = os.path.join(args.work, "tokenizer")
    if not os.path.exists(os.path.join(tok_dir, "vocab.json")):
        os.makedirs(tok_dir, exist_ok=True)
        for name in ["vocab.json", "merges.txt"]:
            shutil.copy(os.path.join(src, "tokenizer", name), os.path.join(tok_dir, name))
        log(f"import: tokenizer from {src}")
    vae_path = os.path.join(args.work, "vae.pt")
    if not os.path.exists(vae_path):
        vae = make_vae()
        vae.load_state_dict(load_safetensors(os.path.join(src, "vae", "diffusion_pytorch_model.safetensors")))
        save_checkpoint(vae_path, model=vae.state_dict(), opt=None, step=training["vae_steps"], from_model=src)
        log(f"import: VAE (step {training['vae_steps']}) from {src} to {vae_path}")
    init_path = os.path.join(args.work, "from-model.pt")
    if not os.path.exists(init_path):
        _, vocab = load_tokenizer(args.work)
        unet, (text, _) = make_unet(), make_text_model(vocab)
        unet.load_state_dict(load_safetensors(os.path.join(src, "unet", "diffusion_pytorch_model.safetensors")))
        text.load_state_dict(load_safetensors(os.path.join(src, "text_encoder", "model.safetensors")))
        with open(os.path.join(src, "vae", "config.json"), encoding="utf-8") as f:
            scale = training.get("latent_scale") or json.load(f)["scaling_factor"]
        # The shape of gpu_bundle.py slim's unet-ema.pt, which --unet-init reads (scale included).
        save_checkpoint(init_path, ema=ema_copy(unet, text), step=training["unet_steps"], scale=scale,
                        vae_step=training["vae_steps"], name=os.path.relpath(os.path.abspath(src), ROOT),
                        started_from=training.get("unet_started_from"))
        log(f"import: UNet + text encoder (step {training['unet_steps']}, latent scale {scale:.5f}) from {src} to {init_path}")
    if not args.unet_init:
        args.unet_init = init_path


# ----------------------------------------------------------------------------- export


def half(state):
    return {k: v.detach().to(torch.float16) if v.is_floating_point() else v for k, v in state.items()}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, sort_keys=True)
        f.write("\n")


def stage_export(args):
    out = args.out
    _, vocab = load_tokenizer(args.work)
    vae_ck = load_checkpoint(os.path.join(args.work, "vae-decoder.pt")) or load_checkpoint(os.path.join(args.work, "vae.pt"))
    unet_ck = load_checkpoint(os.path.join(args.work, "unet.pt"))
    unet_state, text_state = split_ema(unet_ck["ema"])
    _, text_cfg = make_text_model(vocab)
    for sub in ["unet", "vae", "text_encoder", "tokenizer", "scheduler"]:
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    meta = {"format": "pt"}
    save_file(half(unet_state), os.path.join(out, "unet", "diffusion_pytorch_model.safetensors"), meta)
    write_json(os.path.join(out, "unet", "config.json"), UNET_CONFIG)
    save_file(half(vae_ck["model"]), os.path.join(out, "vae", "diffusion_pytorch_model.safetensors"), meta)
    write_json(os.path.join(out, "vae", "config.json"), dict(VAE_CONFIG, scaling_factor=round(unet_ck["scale"], 5)))
    save_file(half(text_state), os.path.join(out, "text_encoder", "model.safetensors"), meta)
    write_json(os.path.join(out, "text_encoder", "config.json"), text_cfg)
    for f in ["vocab.json", "merges.txt"]:
        shutil.copy(os.path.join(args.work, "tokenizer", f), os.path.join(out, "tokenizer", f))
    write_json(os.path.join(out, "tokenizer", "tokenizer_config.json"), {
        "model_max_length": MAX_TOKENS, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "do_lower_case": True,
        "tokenizer_class": "CLIPTokenizer",
    })
    write_json(os.path.join(out, "scheduler", "scheduler_config.json"), SCHEDULER_CONFIG)
    write_json(os.path.join(out, "model_index.json"), {
        "_class_name": "StableDiffusionPipeline", "_diffusers_version": "0.30.0",
        "feature_extractor": [None, None], "requires_safety_checker": False, "safety_checker": [None, None],
        "scheduler": ["diffusers", "DDIMScheduler"], "text_encoder": ["transformers", "CLIPTextModel"],
        "tokenizer": ["transformers", "CLIPTokenizer"], "unet": ["diffusers", "UNet2DConditionModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    })
    write_json(os.path.join(out, "training.json"), {
        "vae_steps": vae_ck["step"], **({"vae_started_from": vae_ck["started_from"]} if vae_ck.get("started_from") else {}),
        "unet_steps": unet_ck["step"], "scenes": int(os.path.getsize(os.path.join(args.work, "data", "images.u8")) // (IMAGE * IMAGE * 3)),
        "held_out": args.held_out, "latent_scale": unet_ck["scale"],
        "unet_started_from": unet_ck.get("started_from"), "partial_captions": unet_ck.get("partial_captions", 0.0),
        # "subsets": any subset of words (partial_caption); absent: the first fine-tune's per-word chances
        "partial_caption_scheme": unet_ck.get("partial_caption_scheme"),
        **({"attention_teacher": unet_ck["attention_teacher"]} if unet_ck.get("attention_teacher") else {}),
    })
    total = sum(os.path.getsize(os.path.join(dp, f)) for dp, _, fs in os.walk(out) for f in fs)
    log(f"export: {out}, {total / 2**20:.2f} MiB")


# ----------------------------------------------------------------------------- main


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", nargs="+", choices=["all", "data", "tokenizer", "vae", "encode", "unet", "decoder", "export"],
                   help="one or more stages, run in the order given")
    p.add_argument("--work", default=os.path.join(ROOT, ".scratch", "train-world"))
    p.add_argument("--out", default=os.path.join(ROOT, "models", "world-sd"))
    p.add_argument("--scenes", type=int, default=60000)
    p.add_argument("--held-out", type=int, default=1000, help="last N scenes are never trained on")
    p.add_argument("--merges", type=int, default=400)
    p.add_argument("--vae-steps", type=int, default=20000)
    p.add_argument("--vae-batch", type=int, default=16)
    p.add_argument("--vae-lr", type=float, default=1e-3)
    p.add_argument("--vae-crop", type=int, default=64)
    p.add_argument("--kl", type=float, default=1e-6)
    p.add_argument("--object-crops", type=float, default=0.75, help="share of VAE crops centred on an object")
    p.add_argument("--object-weight", type=float, default=4.0, help="extra weight of object pixels in the VAE's loss")
    p.add_argument("--full-every", type=int, default=2, help="every Nth VAE step trains on whole images (0: crops only)")
    p.add_argument("--pattern-weight", type=float, default=0.0, help="extra weight of striped, dotted and outlined objects' pixels in the VAE's loss")
    p.add_argument("--edge-weight", type=float, default=0.0, help="weight of the L1 loss on pixel differences over objects (patterns' edges)")
    p.add_argument("--texture-weight", type=float, default=0.0,
                   help="weight of the phase-free pattern-energy loss on object pixels in the VAE's loss (texture_loss)")
    p.add_argument("--vae-init", default="", help="start a new VAE run from this checkpoint's weights (vae.pt of another work folder)")
    p.add_argument("--latent-anchor", type=float, default=0.0,
                   help="with --vae-init: weight of keeping the encoder's latents near the initial VAE's (in units of their variance), so a UNet trained on them stays close")
    p.add_argument("--decoder-steps", type=int, default=3000)
    p.add_argument("--decoder-lr", type=float, default=3e-4)
    p.add_argument("--encode-count", type=int, default=0, help="encode only the first N scenes (0: all)")
    p.add_argument("--unet-steps", type=int, default=20000)
    p.add_argument("--unet-batch", type=int, default=64)
    p.add_argument("--unet-lr", type=float, default=5e-4)
    p.add_argument("--unet-init", default="", help="start a new UNet run from this checkpoint's weights (unet.pt of an earlier latent space)")
    p.add_argument("--unet-minutes", type=float, default=0, help="a new UNet run: fit the schedule to about this many minutes (overrides --unet-steps)")
    p.add_argument("--partial-captions", type=float, default=0.0,
                   help="share of UNet samples trained on their caption with words left out (partial_caption: any subset "
                        "of each object's place, size, style, colour and the background, short ones likelier)")
    p.add_argument("--attention-teacher", default="",
                   help="keep the UNet's cross-attention maps on full captions near this checkpoint's (e.g. a work folder's from-model.pt: the shipped weights)")
    p.add_argument("--attention-weight", type=float, default=1.0, help="weight of --attention-teacher's KL of each query's attention over the tokens")
    p.add_argument("--word-map-weight", type=float, default=0.0,
                   help="weight of --attention-teacher's KL of each caption word's attention over the picture (its map)")
    p.add_argument("--text-only", action="store_true",
                   help="train the text encoder alone; the UNet stays as --unet-init has it")
    p.add_argument("--text-anchor", type=float, default=0.0,
                   help="weight of the text encoder's drift from --unet-init's on full captions and the empty prompt")
    p.add_argument("--multi-object-weight", type=float, default=1.0,
                   help="UNet samples: a scene of several objects is drawn this many times as often as one of one object")
    p.add_argument("--from-model", default="", help="continue from this model folder (e.g. models/world-sd): its tokenizer "
                   "and VAE as they are, its UNet and text encoder as --unet-init (see stage_import)")
    p.add_argument("--bf16", action=argparse.BooleanOptionalAction, default=True,
                   help="on the CPU, run the UNet stage's forward passes under bf16 autocast (AMX)")
    p.add_argument("--ema", type=float, default=0.999)
    p.add_argument("--save-every", type=int, default=250, help="checkpoint every N steps")
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--minutes", type=float, default=0, help="stop cleanly (checkpoint saved) after this long")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    os.makedirs(args.work, exist_ok=True)
    budget = Budget(args.minutes)
    if args.from_model:
        stage_import(args)
    stages = ["data", "tokenizer", "vae", "encode", "unet", "decoder", "export"] if "all" in args.stage else args.stage
    try:
        for s in stages:
            if s == "data":
                stage_data(args)
            elif s == "tokenizer":
                stage_tokenizer(args)
            elif s == "vae":
                stage_vae(args, budget)
            elif s == "encode":
                stage_encode(args, budget)
            elif s == "unet":
                stage_unet(args, budget)
            elif s == "decoder":
                stage_decoder(args, budget)
            elif s == "export":
                stage_export(args)
    except Stop:
        log("stopped; run the same command again to resume")
        sys.exit(3)


if __name__ == "__main__":
    main()
