"""Maps diffusers-named SD-1.x weights (UNet, VAE, CLIP text encoder) to the
original single-file LDM / CompVis checkpoint key names.

Written from the structure of the original ldm `openaimodel.UNetModel` /
`autoencoder` modules (input_blocks / middle_block / output_blocks,
encoder.down.N.block.M, mid.attn_1.q|k|v|proj_out as 1x1 convs, ...).

  UNet:   model.diffusion_model.*
  VAE:    first_stage_model.*
  text:   cond_stage_model.transformer.text_model.*
"""
import re

import torch

UNET_PREFIX = "model.diffusion_model."
VAE_PREFIX = "first_stage_model."
TEXT_PREFIX = "cond_stage_model.transformer."

_UNET_RESNET = [("norm1", "in_layers.0"), ("conv1", "in_layers.2"), ("time_emb_proj", "emb_layers.1"),
                ("norm2", "out_layers.0"), ("conv2", "out_layers.3"), ("conv_shortcut", "skip_connection")]


def _resnet_unet(rest):
    for d, o in _UNET_RESNET:
        if rest.startswith(d + "."):
            return o + rest[len(d):]
    raise KeyError(rest)


def unet_key_to_ldm(key, cfg):
    L = cfg["layers_per_block"]
    n = len(cfg["block_out_channels"])
    fixed = {
        "time_embedding.linear_1": "time_embed.0", "time_embedding.linear_2": "time_embed.2",
        "conv_in": "input_blocks.0.0", "conv_norm_out": "out.0", "conv_out": "out.2",
    }
    for d, o in fixed.items():
        if key.startswith(d + "."):
            return o + key[len(d):]
    m = re.match(r"down_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key)
    if m:
        i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
        idx = 1 + i * (L + 1) + j
        if kind == "resnets":
            return f"input_blocks.{idx}.0.{_resnet_unet(rest)}"
        return f"input_blocks.{idx}.1.{rest}"
    m = re.match(r"down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key)
    if m:
        i = int(m[1])
        return f"input_blocks.{(i + 1) * (L + 1)}.0.op.{m[2]}"
    m = re.match(r"mid_block\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"middle_block.{2 * int(m[1])}.{_resnet_unet(m[2])}"
    m = re.match(r"mid_block\.attentions\.0\.(.*)", key)
    if m:
        return f"middle_block.1.{m[1]}"
    m = re.match(r"up_blocks\.(\d+)\.(resnets|attentions)\.(\d+)\.(.*)", key)
    if m:
        i, kind, j, rest = int(m[1]), m[2], int(m[3]), m[4]
        idx = i * (L + 1) + j
        if kind == "resnets":
            return f"output_blocks.{idx}.0.{_resnet_unet(rest)}"
        return f"output_blocks.{idx}.1.{rest}"
    m = re.match(r"up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", key)
    if m:
        i = int(m[1])
        has_attn = cfg["up_block_types"][i].startswith("CrossAttn")
        return f"output_blocks.{i * (L + 1) + L}.{2 if has_attn else 1}.conv.{m[2]}"
    raise KeyError(key)


_VAE_ATTN = {"group_norm": "norm", "to_q": "q", "to_k": "k", "to_v": "v", "to_out.0": "proj_out"}


def _resnet_vae(rest):
    return rest.replace("conv_shortcut", "nin_shortcut")


def vae_key_to_ldm(key, cfg):
    n = len(cfg["block_out_channels"])
    for d in ("quant_conv", "post_quant_conv"):
        if key.startswith(d + "."):
            return key
    m = re.match(r"(encoder|decoder)\.(conv_in|conv_out)\.(.*)", key)
    if m:
        return key
    m = re.match(r"(encoder|decoder)\.conv_norm_out\.(.*)", key)
    if m:
        return f"{m[1]}.norm_out.{m[2]}"
    m = re.match(r"(encoder|decoder)\.mid_block\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"{m[1]}.mid.block_{int(m[2]) + 1}.{_resnet_vae(m[3])}"
    m = re.match(r"(encoder|decoder)\.mid_block\.attentions\.0\.(.*)\.(weight|bias)", key)
    if m:
        return f"{m[1]}.mid.attn_1.{_VAE_ATTN[m[2]]}.{m[3]}"
    m = re.match(r"encoder\.down_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"encoder.down.{m[1]}.block.{m[2]}.{_resnet_vae(m[3])}"
    m = re.match(r"encoder\.down_blocks\.(\d+)\.downsamplers\.0\.conv\.(.*)", key)
    if m:
        return f"encoder.down.{m[1]}.downsample.conv.{m[2]}"
    m = re.match(r"decoder\.up_blocks\.(\d+)\.resnets\.(\d+)\.(.*)", key)
    if m:
        return f"decoder.up.{n - 1 - int(m[1])}.block.{m[2]}.{_resnet_vae(m[3])}"
    m = re.match(r"decoder\.up_blocks\.(\d+)\.upsamplers\.0\.conv\.(.*)", key)
    if m:
        return f"decoder.up.{n - 1 - int(m[1])}.upsample.conv.{m[2]}"
    raise KeyError(key)


def scaled_linear_alphas_cumprod(n=1000, beta_start=0.00085, beta_end=0.012):
    betas = torch.linspace(beta_start ** 0.5, beta_end ** 0.5, n, dtype=torch.float64) ** 2
    return torch.cumprod(1.0 - betas, dim=0).to(torch.float32)


def build(unet_sd, unet_cfg, vae_sd, vae_cfg, text_sd, text_cfg):
    """Returns (checkpoint dict original-key -> tensor, mapping original-key -> 'component/diffusers-key')."""
    ckpt, mapping = {}, {}

    def put(okey, comp, dkey, t):
        assert okey not in ckpt, okey
        ckpt[okey] = t
        mapping[okey] = f"{comp}/{dkey}"

    for k, v in unet_sd.items():
        put(UNET_PREFIX + unet_key_to_ldm(k, unet_cfg), "unet", k, v)
    for k, v in vae_sd.items():
        ok = vae_key_to_ldm(k, vae_cfg)
        if ".mid.attn_1." in ok and v.ndim == 2:
            v = v.reshape(v.shape[0], v.shape[1], 1, 1)  # linear [C,C] -> conv 1x1 [C,C,1,1]
        put(VAE_PREFIX + ok, "vae", k, v)
    for k, v in text_sd.items():
        put(TEXT_PREFIX + k, "text_encoder", k, v)
    # extra keys real SD-1.x checkpoints carry; a loader must ignore them (not in mapping)
    ckpt[TEXT_PREFIX + "text_model.embeddings.position_ids"] = torch.arange(
        text_cfg["max_position_embeddings"], dtype=torch.int64)[None]
    ckpt["alphas_cumprod"] = scaled_linear_alphas_cumprod()
    return ckpt, mapping
