"""Regenerates every fixture under test/models/fixtures/ deterministically.

    python3 scripts/reference/make_fixtures.py [name ...]

Needs torch (Debian: apt-get install python3-torch python3-numpy python3-regex).
If the python3 on PATH has no torch, the script re-executes itself with
/usr/bin/python3.
"""
import os
import sys

sys.dont_write_bytecode = True  # keep scripts/reference/ free of __pycache__

try:
    import torch  # noqa: F401
except ImportError:  # pyenv shims etc.: fall back to the Debian interpreter
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    raise

import json

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(ROOT, "test", "models", "fixtures")

import torch  # noqa: E402

from common import REC, float32_state_dict, name_modules, random_init  # noqa: E402
from safetensors_io import save_file  # noqa: E402

torch.set_grad_enabled(False)
torch.set_num_threads(4)


def fixture_dir(name):
    d = os.path.join(OUT, name)
    os.makedirs(d, exist_ok=True)
    return d


def write_json(path, obj):
    with open(path, "w") as f:
        json.dump(obj, f, indent=2)
        f.write("\n")


def save_io(d, inputs, outputs):
    t = {}
    for k, v in inputs.items():
        t["in." + k] = v if v.dtype == torch.int64 else v.to(torch.float32)
    for k, v in outputs.items():
        t["out." + k] = v.to(torch.float32)
    save_file(t, os.path.join(d, "io.safetensors"), {"format": "pt", "generator": "scripts/reference/make_fixtures.py"})
    return t


def prepare(model, seed, gain=1.0):
    """random float32 weights -> saved state dict; model switched to float64 for the compute."""
    random_init(model, seed, gain)
    sd = float32_state_dict(model)
    model.double()
    model.eval()
    name_modules(model)
    return sd


def record(wanted):
    REC.enabled = True
    REC.wanted = set(wanted) if wanted is not None else None
    REC.data = {}


def stop_record():
    REC.enabled = False
    d = REC.data
    REC.data = {}
    return d


# ----------------------------------------------------------------------------- UNet

UNET_BASE = {
    "_class_name": "UNet2DConditionModel",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "addition_embed_type": None,
    "addition_embed_type_num_heads": 64,
    "addition_time_embed_dim": None,
    "attention_head_dim": 4,
    "attention_type": "default",
    "block_out_channels": [16, 32, 32],
    "center_input_sample": False,
    "class_embed_type": None,
    "class_embeddings_concat": False,
    "conv_in_kernel": 3,
    "conv_out_kernel": 3,
    "cross_attention_dim": 32,
    "cross_attention_norm": None,
    "down_block_types": ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"],
    "downsample_padding": 1,
    "dropout": 0.0,
    "dual_cross_attention": False,
    "encoder_hid_dim": None,
    "encoder_hid_dim_type": None,
    "flip_sin_to_cos": True,
    "freq_shift": 0,
    "in_channels": 4,
    "layers_per_block": 2,
    "mid_block_only_cross_attention": None,
    "mid_block_scale_factor": 1,
    "mid_block_type": "UNetMidBlock2DCrossAttn",
    "norm_eps": 1e-05,
    "norm_num_groups": 8,
    "num_attention_heads": None,
    "num_class_embeds": None,
    "only_cross_attention": False,
    "out_channels": 4,
    "projection_class_embeddings_input_dim": None,
    "resnet_out_scale_factor": 1.0,
    "resnet_skip_time_act": False,
    "resnet_time_scale_shift": "default",
    "reverse_transformer_layers_per_block": None,
    "sample_size": 16,
    "time_cond_proj_dim": None,
    "time_embedding_act_fn": None,
    "time_embedding_dim": None,
    "time_embedding_type": "positional",
    "timestep_post_act": None,
    "transformer_layers_per_block": 1,
    "up_block_types": ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"],
    "upcast_attention": False,
    "use_linear_projection": False,
}


def unet_inputs(seed, size):
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(2, 4, size, size, generator=g)
    timestep = torch.tensor([981.0, 1.0], dtype=torch.float32)
    ehs = torch.randn(2, 7, 32, generator=g)
    return {"sample": sample, "timestep": timestep, "encoder_hidden_states": ehs}


def make_unet(name, overrides, seed, extra_outputs):
    from unet import UNet2DConditionModel

    cfg = dict(UNET_BASE)
    cfg.update(overrides)
    d = fixture_dir(name)
    model = UNet2DConditionModel(cfg)
    sd = prepare(model, seed)
    save_file(sd, os.path.join(d, "diffusion_pytorch_model.safetensors"), {"format": "pt"})
    write_json(os.path.join(d, "config.json"), cfg)
    inp = unet_inputs(seed + 1, cfg["sample_size"])
    record(["mid"] + extra_outputs)
    out = model(inp["sample"].double(), inp["timestep"], inp["encoder_hidden_states"].double())
    rec = stop_record()
    outputs = {"sample": out}
    for k in ["mid"] + extra_outputs:
        outputs[k] = rec[k]
    return sd, save_io(d, inp, outputs)


def make_unet_sd1():
    # 8x8 latent (8 -> 4 -> 2) keeps the [8, 64, 64] attn1.probs small.
    return make_unet("unet-sd1", {"sample_size": 8, "layers_per_block": 2, "block_out_channels": [16, 16, 32]}, 1000, [
        "down_blocks.0.resnets.0",
        "down_blocks.0.attentions.0.transformer_blocks.0.attn1.probs",
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.probs",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.q",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.k",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.v",
    ])


def make_unet_sd2():
    # SD-2 style: diffusers reads attention_head_dim as the number of heads per
    # block ([2, 3, 4] with channels [16, 24, 32] -> head dim 8 everywhere, like
    # SD-2's [5, 10, 20, 20] with [320, 640, 1280, 1280] -> 64). Up blocks use the
    # reversed list ([4, 3, 2]).
    return make_unet("unet-sd2", {
        "block_out_channels": [16, 24, 32],
        "attention_head_dim": [2, 3, 4],
        "use_linear_projection": True,
        "upcast_attention": True,
        "transformer_layers_per_block": 1,
        "act_fn": "silu",
        "layers_per_block": 1,
        "sample_size": 16,
    }, 2000, [
        "down_blocks.0.resnets.0",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.probs",
        "down_blocks.0.attentions.0.transformer_blocks.0.attn2.probs",
        "up_blocks.2.attentions.0.transformer_blocks.0.attn2.probs",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.q",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.k",
        "up_blocks.1.attentions.0.transformer_blocks.0.attn1.v",
    ])


# ----------------------------------------------------------------------------- VAE

VAE_CONFIG = {
    "_class_name": "AutoencoderKL",
    "_diffusers_version": "0.30.0",
    "act_fn": "silu",
    "block_out_channels": [16, 16, 32, 32],
    "down_block_types": ["DownEncoderBlock2D"] * 4,
    "force_upcast": True,
    "in_channels": 3,
    "latent_channels": 4,
    "latents_mean": None,
    "latents_std": None,
    "layers_per_block": 1,
    "mid_block_add_attention": True,
    "norm_num_groups": 8,
    "out_channels": 3,
    "sample_size": 32,
    "scaling_factor": 0.18215,
    "shift_factor": None,
    "up_block_types": ["UpDecoderBlock2D"] * 4,
    "use_post_quant_conv": True,
    "use_quant_conv": True,
}


def make_vae():
    from vae import AutoencoderKL

    d = fixture_dir("vae")
    model = AutoencoderKL(VAE_CONFIG)
    sd = prepare(model, 3000)
    save_file(sd, os.path.join(d, "diffusion_pytorch_model.safetensors"), {"format": "pt"})
    write_json(os.path.join(d, "config.json"), VAE_CONFIG)
    g = torch.Generator().manual_seed(3001)
    # smooth-ish image in [-1, 1]
    yy, xx = torch.meshgrid(torch.linspace(-1, 1, 32), torch.linspace(-1, 1, 32), indexing="ij")
    base = torch.stack([torch.sin(3 * xx + 1), torch.cos(2 * yy - xx), xx * yy])[None]
    image = (0.7 * base + 0.3 * torch.rand(1, 3, 32, 32, generator=g) * 2 - 0.3).clamp(-1, 1)
    latent = torch.randn(1, 4, 4, 4, generator=g)
    mean, logvar = model.encode(image.double())
    decoded = model.decode(latent.double())
    return sd, save_io(d, {"image": image, "latent": latent},
                       {"mean": mean, "logvar": logvar, "decoded": decoded})


# ----------------------------------------------------------------------------- CLIP

def clip_text_config(act, projection_dim=16):
    return {
        "architectures": ["CLIPTextModel"],
        "attention_dropout": 0.0,
        "bos_token_id": 98,
        "eos_token_id": 99,
        "hidden_act": act,
        "hidden_size": 32,
        "initializer_factor": 1.0,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "layer_norm_eps": 1e-05,
        "max_position_embeddings": 16,
        "model_type": "clip_text_model",
        "num_attention_heads": 4,
        "num_hidden_layers": 3,
        "pad_token_id": 1,
        "projection_dim": projection_dim,
        "torch_dtype": "float32",
        "transformers_version": "4.44.0",
        "vocab_size": 100,
    }


def clip_vision_config():
    return {
        "attention_dropout": 0.0,
        "hidden_act": "quick_gelu",
        "hidden_size": 32,
        "image_size": 32,
        "initializer_factor": 1.0,
        "initializer_range": 0.02,
        "intermediate_size": 64,
        "layer_norm_eps": 1e-05,
        "model_type": "clip_vision_model",
        "num_attention_heads": 4,
        "num_channels": 3,
        "num_hidden_layers": 2,
        "patch_size": 8,
        "projection_dim": 16,
    }


def make_ids(g, lengths, total=16, bos=98, eos=99, pad=99):
    """[bos, random tokens (< bos), eos, pad...]; `lengths` = number of content tokens."""
    rows = []
    for n in lengths:
        body = torch.randint(0, 98, (n,), generator=g).tolist()
        row = [bos] + body + [eos]
        row = row + [pad] * (total - len(row))
        rows.append(row[:total])
    return torch.tensor(rows, dtype=torch.int64)


def make_clip_text(name, act, seed, pad):
    from clip import CLIPTextModel

    cfg = clip_text_config(act)
    d = fixture_dir(name)
    model = CLIPTextModel(cfg)
    sd = prepare(model, seed)
    save_file(sd, os.path.join(d, "model.safetensors"), {"format": "pt"})
    write_json(os.path.join(d, "config.json"), cfg)
    g = torch.Generator().manual_seed(seed + 1)
    ids = make_ids(g, [5, 14], pad=pad)  # second row: eos at the last position, no padding
    last, pooled, states = model(ids)
    outs = {"last_hidden_state": last, "pooler_output": pooled}
    for i, s in enumerate(states):
        outs[f"hidden_states.{i}"] = s
    return sd, save_io(d, {"input_ids": ids}, outs)


def make_clip_text_quick():
    return make_clip_text("clip-text", "quick_gelu", 4000, pad=99)


def make_clip_text_gelu():
    # SD-2 style tower: exact gelu; padded with "!" (id 0) like SD-2's tokenizer.
    return make_clip_text("clip-text-gelu", "gelu", 5000, pad=0)


CLIP_CONFIG = {
    "architectures": ["CLIPModel"],
    "initializer_factor": 1.0,
    "logit_scale_init_value": 2.6592,
    "model_type": "clip",
    "projection_dim": 16,
    "text_config": clip_text_config("quick_gelu"),
    "torch_dtype": "float32",
    "transformers_version": "4.44.0",
    "vision_config": clip_vision_config(),
}
del CLIP_CONFIG["text_config"]["architectures"]
del CLIP_CONFIG["text_config"]["torch_dtype"]
del CLIP_CONFIG["text_config"]["transformers_version"]


def make_clip():
    from clip import CLIPModel

    d = fixture_dir("clip")
    model = CLIPModel(CLIP_CONFIG)
    sd = prepare(model, 6000)
    save_file(sd, os.path.join(d, "model.safetensors"), {"format": "pt"})
    write_json(os.path.join(d, "config.json"), CLIP_CONFIG)
    g = torch.Generator().manual_seed(6001)
    px = torch.randn(2, 3, 32, 32, generator=g)
    ids = make_ids(g, [3, 7, 10])
    o = model(px.double(), ids)
    outs = {k: o[k] for k in ["image_embeds", "text_embeds", "logits_per_image", "logits_per_text",
                              "vision_pooler_output", "text_pooler_output"]}
    return sd, save_io(d, {"pixel_values": px, "input_ids": ids}, outs)


# ----------------------------------------------------------------------------- tokenizer

TOKENIZER_CORPUS = [
    "a large red star in the top left on grass, striped",
    "a small blue circle in the bottom right on sand",
    "two blue circles on sand",
    "three green squares on a wooden table",
    "photo of a cat",
    "a photo of a dog sitting on the grass",
    "a photograph of a red car parked in the street",
    "an oil painting of a lighthouse at sunset",
    "a striped yellow triangle in the center, dotted",
    "the large green star is above the small red circle",
    "make the star bigger and move it to the left",
    "remove the blue square from the top right corner",
    "change the background to a starry night sky",
    "a cat and a dog playing together in the garden",
    "portrait of a woman with red hair, highly detailed",
    "a bowl of fruit on a table: apples, oranges and bananas",
    "a cozy cafe with wooden chairs and a naive painting on the wall",
    "café au lait in a white cup; naïve art style",
    "the quick brown fox jumps over the lazy dog!",
    "it's a sunny day, isn't it? we're going to the park.",
    "they've painted the red barn & the green fence",
    "i'm sure you'll like it, he'd said",
    "1 2 3 4 5 6 7 8 9 0 - 10 circles, 25 stars, 2024",
    "red, green, blue... and (maybe) yellow?!",
    "stripes, dots, checks and plain: four patterns",
    "a blue star on grass, a red star on sand, a green star on water",
    "top left, top right, bottom left, bottom right, center",
    "striped red circle, dotted blue square, plain green triangle",
    "a photo of a large cat on a red sofa",
    "a painting of two small dogs on the beach at night",
    "retouch the photo: brighten the sky and remove the car",
    "a smiling face drawn with crayons",
    "the the the a a a of of on on in in",
    "water, sand, grass, snow, rock, wood, stone",
    "circles and squares and stars and triangles",
    "a very large striped star",
    "small small small red red red",
    "photorealistic photo of a mountain lake",
]


def make_tokenizer():
    import tokenizer as tk

    d = fixture_dir("tokenizer")
    merges = tk.learn_bpe(TOKENIZER_CORPUS, 300)
    vocab = tk.build_vocab(merges)
    with open(os.path.join(d, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    with open(os.path.join(d, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for a, b in merges:
            f.write(f"{a} {b}\n")
    tok = tk.CLIPTokenizer(vocab, merges)
    texts = [
        "a large red star in the top left on grass, striped",
        "two blue circles on sand",
        "photo of a cat",
        "A Photo Of A CAT",
        "   a    cat\t\non  the\n\n mat   ",
        "",
        "   ",
        "zebra xylophone quokka",
        "supercalifragilisticexpialidocious",
        "it's",
        "It's a dog's life, isn't it?",
        "we're, they've, I'm, you'll, he'd",
        "IT'S LOUD",
        "2024",
        "10 circles, 25 stars",
        "3.14159",
        "red,green;blue:yellow",
        "hello!!! ... ???",
        "(maybe) [not] {sure}",
        "a-b_c/d\\e",
        "email@example.com #hashtag $5 100%",
        "café",
        "naïve café",
        "CAFÉ NAÏVE",
        "cafe\u0301",
        "über straße",
        "日本語のテキスト",
        "emoji 🐱 cat 🎨",
        "ñandú",
        "a photo of a cat, highly detailed, 4k",
        "remove the blue square from the top right corner",
        "make the star bigger and move it to the left",
        "striped",
        "stripes",
        "starry night",
        "photograph photographs photographic",
        "x",
        "'",
        "''quoted''",
        "don't stop",
        "tab\tseparated\tvalues",
        "mixed123numbers456",
    ]
    cases = [{"text": t, "ids": tok.encode(t), "tokens": tok.tokens(t)} for t in texts]
    write_json(os.path.join(d, "cases.json"), cases)
    write_json(os.path.join(d, "info.json"), {
        "num_merges": len(merges), "vocab_size": len(vocab),
        "bos_token_id": vocab[tk.SOT], "eos_token_id": vocab[tk.EOT],
        "note": "ids are raw BPE ids without <|startoftext|>/<|endoftext|>/padding",
    })
    return None, None


# ----------------------------------------------------------------------------- single file

def _load_fixture_weights(name, fname, maker):
    from safetensors_io import load_file
    p = os.path.join(OUT, name, fname)
    if not os.path.exists(p):
        maker()
    w, _ = load_file(p)
    with open(os.path.join(OUT, name, "config.json")) as f:
        cfg = json.load(f)
    return {k: torch.from_numpy(v) for k, v in w.items()}, cfg


def make_single_file():
    import single_file as sf

    unet_sd, unet_cfg = _load_fixture_weights("unet-sd1", "diffusion_pytorch_model.safetensors", make_unet_sd1)
    vae_sd, vae_cfg = _load_fixture_weights("vae", "diffusion_pytorch_model.safetensors", make_vae)
    text_sd, text_cfg = _load_fixture_weights("clip-text", "model.safetensors", make_clip_text_quick)
    ckpt, mapping = sf.build(unet_sd, unet_cfg, vae_sd, vae_cfg, text_sd, text_cfg)
    d = fixture_dir("sd1-single-file")
    save_file(ckpt, os.path.join(d, "model.safetensors"), {"format": "pt"})
    write_json(os.path.join(d, "mapping.json"), dict(sorted(mapping.items())))
    return None, None


FIXTURES = {
    "unet-sd1": make_unet_sd1,
    "unet-sd2": make_unet_sd2,
    "vae": make_vae,
    "clip-text": make_clip_text_quick,
    "clip-text-gelu": make_clip_text_gelu,
    "clip": make_clip,
    "tokenizer": make_tokenizer,
    "sd1-single-file": make_single_file,
}


def describe(path):
    from safetensors_io import load_file
    t, _ = load_file(path)
    return {k: (str(v.dtype), list(v.shape)) for k, v in sorted(t.items())}


def main(argv):
    names = argv or list(FIXTURES)
    for n in names:
        FIXTURES[n]()
        d = os.path.join(OUT, n)
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        print(f"{n}: {size / 1e6:.2f} MB")
        if os.path.exists(os.path.join(d, "io.safetensors")):
            for k, (dt, sh) in describe(os.path.join(d, "io.safetensors")).items():
                print(f"   {k} {dt} {sh}")


if __name__ == "__main__":
    main(sys.argv[1:])
