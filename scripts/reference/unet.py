"""Independent re-implementation of diffusers' UNet2DConditionModel (SD 1.x / 2.x
subset) with the exact diffusers state-dict key names.

Supported: down blocks CrossAttnDownBlock2D / DownBlock2D, up blocks
CrossAttnUpBlock2D / UpBlock2D, mid UNetMidBlock2DCrossAttn, positional
(sinusoidal) time embedding, use_linear_projection on/off, upcast_attention
(no-op in float64), per-block attention_head_dim lists.

diffusers quirk reproduced: config `attention_head_dim` (when
`num_attention_heads` is null) is the NUMBER OF HEADS per block; the head
dimension is channels // heads. Up blocks use the reversed per-block list.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import REC, Attention, activation


def timestep_embedding(timesteps, dim, flip_sin_to_cos, freq_shift, max_period=10000):
    """Sinusoidal embedding, computed in float64 here (diffusers uses float32)."""
    half = dim // 2
    exponent = -math.log(max_period) * torch.arange(half, dtype=torch.float64, device=timesteps.device) / (half - freq_shift)
    freqs = torch.exp(exponent)
    args = timesteps.to(torch.float64)[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if flip_sin_to_cos:
        emb = torch.cat([emb[:, half:], emb[:, :half]], dim=-1)
    if dim % 2 == 1:
        emb = F.pad(emb, (0, 1))
    return emb


class TimestepEmbedding(nn.Module):
    def __init__(self, in_dim, dim, act):
        super().__init__()
        self.linear_1 = nn.Linear(in_dim, dim)
        self.linear_2 = nn.Linear(dim, dim)
        self.act = activation(act)

    def forward(self, x):
        return self.linear_2(self.act(self.linear_1(x)))


class ResnetBlock2D(nn.Module):
    """keys: norm1, conv1, time_emb_proj (if temb), norm2, conv2, conv_shortcut (if in != out)."""

    def __init__(self, cin, cout, temb_channels, groups, eps, act):
        super().__init__()
        self.norm1 = nn.GroupNorm(groups, cin, eps=eps)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb_channels, cout) if temb_channels is not None else None
        self.norm2 = nn.GroupNorm(groups, cout, eps=eps)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None
        self.act = activation(act)

    def forward(self, x, temb=None):
        h = self.conv1(self.act(self.norm1(x)))
        if self.time_emb_proj is not None and temb is not None:
            h = h + self.time_emb_proj(self.act(temb))[:, :, None, None]
        h = self.conv2(self.act(self.norm2(h)))  # dropout = identity
        if self.conv_shortcut is not None:
            x = self.conv_shortcut(x)
        out = x + h  # output_scale_factor = 1
        REC.put(self._ref_name, out)
        return out


class Downsample2D(nn.Module):
    """keys: conv. padding=1 (UNet) or padding=0 with explicit (0,1,0,1) zero pad (VAE)."""

    def __init__(self, ch, padding):
        super().__init__()
        self.padding = padding
        self.conv = nn.Conv2d(ch, ch, 3, stride=2, padding=padding)

    def forward(self, x):
        if self.padding == 0:
            x = F.pad(x, (0, 1, 0, 1), mode="constant", value=0.0)
        return self.conv(x)


class Upsample2D(nn.Module):
    """keys: conv. nearest x2 then 3x3 conv."""

    def __init__(self, ch):
        super().__init__()
        self.conv = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        h, gate = self.proj(x).chunk(2, dim=-1)
        return h * F.gelu(gate)


class FeedForward(nn.Module):
    """keys: net.0.proj (GEGLU), net.2 (Linear); net.1 is dropout."""

    def __init__(self, dim, mult=4):
        super().__init__()
        inner = dim * mult
        self.net = nn.ModuleList([GEGLU(dim, inner), nn.Identity(), nn.Linear(inner, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    def __init__(self, dim, heads, dim_head, cross_dim):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-5)
        self.attn1 = Attention(dim, None, heads, dim_head, bias=False)
        self.norm2 = nn.LayerNorm(dim, eps=1e-5)
        self.attn2 = Attention(dim, cross_dim, heads, dim_head, bias=False)
        self.norm3 = nn.LayerNorm(dim, eps=1e-5)
        self.ff = FeedForward(dim)

    def forward(self, x, ctx):
        x = self.attn1(self.norm1(x)) + x
        x = self.attn2(self.norm2(x), ctx) + x
        x = self.ff(self.norm3(x)) + x
        return x


class Transformer2DModel(nn.Module):
    """keys: norm (GroupNorm eps 1e-6), proj_in, transformer_blocks.N, proj_out."""

    def __init__(self, heads, dim_head, in_channels, num_layers, cross_dim, groups, use_linear):
        super().__init__()
        inner = heads * dim_head
        self.use_linear = use_linear
        self.norm = nn.GroupNorm(groups, in_channels, eps=1e-6)
        if use_linear:
            self.proj_in = nn.Linear(in_channels, inner)
            self.proj_out = nn.Linear(inner, in_channels)
        else:
            self.proj_in = nn.Conv2d(in_channels, inner, 1)
            self.proj_out = nn.Conv2d(inner, in_channels, 1)
        self.transformer_blocks = nn.ModuleList(
            [BasicTransformerBlock(inner, heads, dim_head, cross_dim) for _ in range(num_layers)])

    def forward(self, x, ctx):
        b, c, hgt, wid = x.shape
        res = x
        h = self.norm(x)
        if not self.use_linear:
            h = self.proj_in(h)
            inner = h.shape[1]
            h = h.permute(0, 2, 3, 1).reshape(b, hgt * wid, inner)
        else:
            h = h.permute(0, 2, 3, 1).reshape(b, hgt * wid, c)
            h = self.proj_in(h)
            inner = h.shape[-1]
        for blk in self.transformer_blocks:
            h = blk(h, ctx)
        if not self.use_linear:
            h = h.reshape(b, hgt, wid, inner).permute(0, 3, 1, 2)
            h = self.proj_out(h)
        else:
            h = self.proj_out(h)
            h = h.reshape(b, hgt, wid, c).permute(0, 3, 1, 2)
        return h + res


class DownBlock(nn.Module):
    def __init__(self, cin, cout, temb, layers, add_down, cross, heads, tlayers, cross_dim, groups, eps, act, use_linear):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, temb, groups, eps, act) for i in range(layers)])
        if cross:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(heads, cout // heads, cout, tlayers, cross_dim, groups, use_linear)
                 for _ in range(layers)])
        else:
            self.attentions = None
        self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=1)]) if add_down else None

    def forward(self, x, temb, ctx):
        outs = []
        for i, r in enumerate(self.resnets):
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx)
            outs.append(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
            outs.append(x)
        return x, outs


class UpBlock(nn.Module):
    def __init__(self, cin, cout, prev, temb, layers, add_up, cross, heads, tlayers, cross_dim, groups, eps, act, use_linear):
        super().__init__()
        rs = []
        for i in range(layers):
            skip = cin if i == layers - 1 else cout
            rin = prev if i == 0 else cout
            rs.append(ResnetBlock2D(rin + skip, cout, temb, groups, eps, act))
        self.resnets = nn.ModuleList(rs)
        if cross:
            self.attentions = nn.ModuleList(
                [Transformer2DModel(heads, cout // heads, cout, tlayers, cross_dim, groups, use_linear)
                 for _ in range(layers)])
        else:
            self.attentions = None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, x, skips, temb, ctx):
        for i, r in enumerate(self.resnets):
            s = skips.pop()
            x = torch.cat([x, s], dim=1)
            x = r(x, temb)
            if self.attentions is not None:
                x = self.attentions[i](x, ctx)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class MidBlockCrossAttn(nn.Module):
    def __init__(self, ch, temb, heads, tlayers, cross_dim, groups, eps, act, use_linear):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, temb, groups, eps, act) for _ in range(2)])
        self.attentions = nn.ModuleList([Transformer2DModel(heads, ch // heads, ch, tlayers, cross_dim, groups, use_linear)])

    def forward(self, x, temb, ctx):
        x = self.resnets[0](x, temb)
        x = self.attentions[0](x, ctx)
        x = self.resnets[1](x, temb)
        return x


def _per_block(v, n):
    return list(v) if isinstance(v, (list, tuple)) else [v] * n


class UNet2DConditionModel(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        boc = cfg["block_out_channels"]
        n = len(boc)
        act = cfg.get("act_fn", "silu")
        groups = cfg["norm_num_groups"]
        eps = cfg.get("norm_eps", 1e-5)
        heads = _per_block(cfg.get("num_attention_heads") or cfg["attention_head_dim"], n)
        lpb = _per_block(cfg["layers_per_block"], n)
        cross_dim = cfg["cross_attention_dim"]
        tl = _per_block(cfg.get("transformer_layers_per_block", 1), n)
        ul = cfg.get("use_linear_projection", False)
        temb = boc[0] * 4
        self.conv_in = nn.Conv2d(cfg["in_channels"], boc[0], 3, padding=1)
        self.time_embedding = TimestepEmbedding(boc[0], temb, act)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, t in enumerate(cfg["down_block_types"]):
            cin, cout = cout, boc[i]
            self.down_blocks.append(DownBlock(cin, cout, temb, lpb[i], i != n - 1, t == "CrossAttnDownBlock2D",
                                              heads[i], tl[i], cross_dim, groups, eps, act, ul))
        assert cfg["mid_block_type"] == "UNetMidBlock2DCrossAttn"
        self.mid_block = MidBlockCrossAttn(boc[-1], temb, heads[-1], tl[-1], cross_dim, groups, eps, act, ul)
        rboc = list(reversed(boc))
        rheads = list(reversed(heads))
        rlpb = list(reversed(lpb))
        rtl = list(reversed(tl))
        self.up_blocks = nn.ModuleList()
        cout = rboc[0]
        for i, t in enumerate(cfg["up_block_types"]):
            prev, cout = cout, rboc[i]
            cin = rboc[min(i + 1, n - 1)]
            self.up_blocks.append(UpBlock(cin, cout, prev, temb, rlpb[i] + 1, i != n - 1, t == "CrossAttnUpBlock2D",
                                          rheads[i], rtl[i], cross_dim, groups, eps, act, ul))
        self.conv_norm_out = nn.GroupNorm(groups, boc[0], eps=eps)
        self.conv_out = nn.Conv2d(boc[0], cfg["out_channels"], 3, padding=1)
        self.act = activation(act)

    def forward(self, sample, timestep, ctx):
        cfg = self.cfg
        t = timestep_embedding(timestep, cfg["block_out_channels"][0], cfg["flip_sin_to_cos"], cfg["freq_shift"])
        temb = self.time_embedding(t.to(sample.dtype))
        x = self.conv_in(sample)
        skips = [x]
        for b in self.down_blocks:
            x, outs = b(x, temb, ctx)
            skips.extend(outs)
        x = self.mid_block(x, temb, ctx)
        REC.put("mid", x)
        for b in self.up_blocks:
            x = b(x, skips, temb, ctx)
        assert not skips
        x = self.conv_out(self.act(self.conv_norm_out(x)))
        return x
