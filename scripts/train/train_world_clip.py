"""Offline trainer for the world's image–text model (models/world-clip): transformers' CLIPModel,
small, trained contrastively on the same 60,000 scenes as world-sd (train_world.py's data and
tokenizer stages make them). The bot loads it with src/models/clip in TypeScript, for guidance,
rewards and metrics.

Besides the other captions of the batch, every image is contrasted with a caption of its own that
has one word changed (a colour, shape, size, style, place or background): in-batch negatives alone
teach a bag of words, and the uses of this model need to know which object is red.

  python3 scripts/train/train_world_clip.py train --minutes 30     # resumes from .scratch/train-world/clip.pt
  python3 scripts/train/train_world_clip.py export                 # writes models/world-clip
"""
import argparse
import os
import re
import shutil
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import train_world as tw  # noqa: E402  (puts scripts/reference on the path, and torch)

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

MAX_TOKENS = 40  # the longest world caption (three objects) is 33 tokens with its start and end
IMAGE_MEAN = [0.48145466, 0.4578275, 0.40821073]
IMAGE_STD = [0.26862954, 0.26130258, 0.27577711]

VISION_CONFIG = {
    "hidden_size": 128, "intermediate_size": 512, "num_hidden_layers": 4, "num_attention_heads": 4,
    "num_channels": 3, "image_size": tw.IMAGE, "patch_size": 16, "hidden_act": "quick_gelu",
    "layer_norm_eps": 1e-5, "projection_dim": 128, "model_type": "clip_vision_model",
}

WORDS = {
    "colour": ["red", "orange", "yellow", "green", "cyan", "blue", "purple", "pink", "brown", "white"],
    "shape": ["circle", "square", "triangle", "star", "heart", "ring", "cross", "diamond"],
    "size": ["small", "medium", "large"],
    "style": ["striped", "dotted", "outlined"],
    "place": ["top left", "top middle", "top right", "middle left", "center", "middle right",
              "bottom left", "bottom middle", "bottom right"],
    "background": ["plain", "sky", "grass", "night", "sand"],
}
PATTERNS = {kind: re.compile(r"\b(" + "|".join(map(re.escape, words)) + r")\b") for kind, words in WORDS.items()}


def one_word_changed(caption, rng):
    """The caption with one attribute word replaced by another of its kind (None if it has none)."""
    found = [(kind, m) for kind, p in PATTERNS.items() for m in p.finditer(caption)]
    if not found:
        return None
    kind, m = found[rng.integers(len(found))]
    others = [w for w in WORDS[kind] if w != m.group(0)]
    return caption[: m.start()] + others[rng.integers(len(others))] + caption[m.end():]


def config(vocab):
    text = dict(tw.TEXT_CONFIG, vocab_size=len(vocab), bos_token_id=vocab["<|startoftext|>"],
                eos_token_id=vocab["<|endoftext|>"], max_position_embeddings=MAX_TOKENS)
    return {"architectures": ["CLIPModel"], "model_type": "clip", "projection_dim": 128,
            "logit_scale_init_value": 2.6592, "text_config": text, "vision_config": VISION_CONFIG,
            "torch_dtype": "float32", "transformers_version": "4.44.0"}


def pixels(images, idx):
    x = torch.from_numpy(np.ascontiguousarray(images[idx])).permute(0, 3, 1, 2).float() / 255.0
    return (x - torch.tensor(IMAGE_MEAN).view(1, 3, 1, 1)) / torch.tensor(IMAGE_STD).view(1, 3, 1, 1)


def make_model(vocab):
    from clip import CLIPModel

    model = CLIPModel(config(vocab))
    tw.name_modules(model)
    return model


def encode(model, px, ids):
    img = F.normalize(model.visual_projection(model.vision_model(px)[1]), dim=-1)
    txt = F.normalize(model.text_projection(model.text_model(ids)[1]), dim=-1)
    return img, txt


def stage_train(args, budget):
    tok, vocab = tw.load_tokenizer(args.work)
    captions = tw.load_captions(args.work)
    images = tw.load_images(args.work)
    n_train = len(images) - args.held_out
    model = make_model(vocab)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.05)
    path = os.path.join(args.work, "clip.pt")
    ck = tw.load_checkpoint(path)
    step = 0
    if ck:
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["opt"])
        step = ck["step"]
    rng = np.random.default_rng(4000 + step)
    tw.log(f"clip: {sum(p.numel() for p in model.parameters())} parameters, batch {args.batch}, from step {step} to {args.steps}")
    t0, seen, acc, running = time.time(), 0, None, None
    while step < args.steps and not budget.over():
        idx = np.sort(rng.choice(n_train, args.batch, replace=False))
        texts = [captions[i] for i in idx]
        hard = [one_word_changed(c, rng) or c for c in texts]
        ids = torch.from_numpy(tw.encode_captions(tok, vocab, texts + hard)[:, :MAX_TOKENS])
        img, txt = encode(model, pixels(images, idx), ids)
        scale = model.logit_scale.exp().clamp(max=100)
        own, changed = txt[: len(idx)], txt[len(idx):]
        # image → text over the batch's captions and every image's one-word-changed caption
        per_image = scale * img @ torch.cat([own, changed]).t()
        per_text = scale * own @ img.t()
        target = torch.arange(len(idx))
        loss = (F.cross_entropy(per_image, target) + F.cross_entropy(per_text, target)) / 2
        tw.optimise(opt, list(model.parameters()), loss, tw.cosine_lr(step, args.steps, args.lr, 200))
        step += 1
        seen += len(idx)
        with torch.no_grad():
            a = ((img * own).sum(-1) > (img * changed).sum(-1)).float().mean().item()
        acc = a if acc is None else 0.95 * acc + 0.05 * a
        running = loss.item() if running is None else 0.95 * running + 0.05 * loss.item()
        if step % 25 == 0:
            tw.log(f"clip step {step} loss {running:.3f} true caption over one-word change {acc:.3f} scale {scale.item():.1f} {seen / (time.time() - t0):.1f} img/s")
        if step % 200 == 0:
            tw.save_checkpoint(path, model=model.state_dict(), opt=opt.state_dict(), step=step)
    tw.save_checkpoint(path, model=model.state_dict(), opt=opt.state_dict(), step=step)
    tw.log(f"clip: saved at step {step}")
    if step < args.steps:
        raise tw.Stop()


def stage_export(args):
    _, vocab = tw.load_tokenizer(args.work)
    ck = tw.load_checkpoint(os.path.join(args.work, "clip.pt"))
    os.makedirs(args.out, exist_ok=True)
    tw.save_file(tw.half(ck["model"]), os.path.join(args.out, "model.safetensors"), {"format": "pt"})
    tw.write_json(os.path.join(args.out, "config.json"), config(vocab))
    tw.write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "do_resize": True, "size": {"shortest_edge": tw.IMAGE}, "do_center_crop": True,
        "crop_size": {"height": tw.IMAGE, "width": tw.IMAGE}, "do_normalize": True,
        "image_mean": IMAGE_MEAN, "image_std": IMAGE_STD, "image_processor_type": "CLIPImageProcessor",
    })
    for f in ["vocab.json", "merges.txt"]:
        shutil.copy(os.path.join(args.work, "tokenizer", f), os.path.join(args.out, f))
    tw.write_json(os.path.join(args.out, "tokenizer_config.json"), {
        "model_max_length": MAX_TOKENS, "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
        "pad_token": "<|endoftext|>", "unk_token": "<|endoftext|>", "do_lower_case": True,
        "tokenizer_class": "CLIPTokenizer",
    })
    tw.write_json(os.path.join(args.out, "training.json"), {"steps": ck["step"], "batch": args.batch, "held_out": args.held_out})
    tw.log(f"export: {args.out}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("stage", choices=["train", "export"])
    p.add_argument("--work", default=os.path.join(tw.ROOT, ".scratch", "train-world"))
    p.add_argument("--out", default=os.path.join(tw.ROOT, "models", "world-clip"))
    p.add_argument("--held-out", type=int, default=1000)
    p.add_argument("--steps", type=int, default=6000)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--minutes", type=float, default=0)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    budget = tw.Budget(args.minutes)
    try:
        stage_train(args, budget) if args.stage == "train" else stage_export(args)
    except tw.Stop:
        tw.log("stopped; run the same command again to resume")
        sys.exit(3)


if __name__ == "__main__":
    main()
