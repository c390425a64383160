"""Independent re-implementation of diffusers' AutoencoderKL (Encoder / Decoder /
quant_conv / post_quant_conv) with the exact current diffusers key names
(mid-block attention: group_norm, to_q, to_k, to_v, to_out.0 as Linear [C, C]).
"""
import torch
import torch.nn as nn

from common import REC, Attention, activation
from unet import Downsample2D, ResnetBlock2D, Upsample2D

EPS = 1e-6


class DownEncoderBlock2D(nn.Module):
    def __init__(self, cin, cout, layers, add_down, groups, act):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, EPS, act) for i in range(layers)])
        self.downsamplers = nn.ModuleList([Downsample2D(cout, padding=0)]) if add_down else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        return x


class UpDecoderBlock2D(nn.Module):
    def __init__(self, cin, cout, layers, add_up, groups, act):
        super().__init__()
        self.resnets = nn.ModuleList(
            [ResnetBlock2D(cin if i == 0 else cout, cout, None, groups, EPS, act) for i in range(layers)])
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if add_up else None

    def forward(self, x):
        for r in self.resnets:
            x = r(x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x


class UNetMidBlock2D(nn.Module):
    """resnets.0, attentions.0 (single head of dim C, group_norm, residual), resnets.1"""

    def __init__(self, ch, groups, act, add_attention=True):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(ch, ch, None, groups, EPS, act) for _ in range(2)])
        self.attentions = nn.ModuleList([
            Attention(ch, None, heads=1, dim_head=ch, bias=True, norm_num_groups=groups, eps=EPS,
                      residual_connection=True)]) if add_attention else None

    def forward(self, x):
        x = self.resnets[0](x)
        if self.attentions is not None:
            x = self.attentions[0](x)
        x = self.resnets[1](x)
        return x


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = cfg["block_out_channels"]
        g = cfg["norm_num_groups"]
        act = cfg["act_fn"]
        self.conv_in = nn.Conv2d(cfg["in_channels"], boc[0], 3, padding=1)
        self.down_blocks = nn.ModuleList()
        cout = boc[0]
        for i, t in enumerate(cfg["down_block_types"]):
            assert t == "DownEncoderBlock2D"
            cin, cout = cout, boc[i]
            self.down_blocks.append(DownEncoderBlock2D(cin, cout, cfg["layers_per_block"], i != len(boc) - 1, g, act))
        self.mid_block = UNetMidBlock2D(boc[-1], g, act, cfg.get("mid_block_add_attention", True))
        self.conv_norm_out = nn.GroupNorm(g, boc[-1], eps=EPS)
        self.conv_out = nn.Conv2d(boc[-1], 2 * cfg["latent_channels"], 3, padding=1)
        self.act = activation(act)

    def forward(self, x):
        x = self.conv_in(x)
        for b in self.down_blocks:
            x = b(x)
        x = self.mid_block(x)
        return self.conv_out(self.act(self.conv_norm_out(x)))


class Decoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        boc = cfg["block_out_channels"]
        g = cfg["norm_num_groups"]
        act = cfg["act_fn"]
        self.conv_in = nn.Conv2d(cfg["latent_channels"], boc[-1], 3, padding=1)
        self.mid_block = UNetMidBlock2D(boc[-1], g, act, cfg.get("mid_block_add_attention", True))
        rboc = list(reversed(boc))
        self.up_blocks = nn.ModuleList()
        cout = rboc[0]
        for i, t in enumerate(cfg["up_block_types"]):
            assert t == "UpDecoderBlock2D"
            prev, cout = cout, rboc[i]
            self.up_blocks.append(UpDecoderBlock2D(prev, cout, cfg["layers_per_block"] + 1, i != len(boc) - 1, g, act))
        self.conv_norm_out = nn.GroupNorm(g, boc[0], eps=EPS)
        self.conv_out = nn.Conv2d(boc[0], cfg["out_channels"], 3, padding=1)
        self.act = activation(act)

    def forward(self, z):
        x = self.conv_in(z)
        x = self.mid_block(x)
        for b in self.up_blocks:
            x = b(x)
        return self.conv_out(self.act(self.conv_norm_out(x)))


class AutoencoderKL(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        lc = cfg["latent_channels"]
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.quant_conv = nn.Conv2d(2 * lc, 2 * lc, 1) if cfg.get("use_quant_conv", True) else None
        self.post_quant_conv = nn.Conv2d(lc, lc, 1) if cfg.get("use_post_quant_conv", True) else None

    def encode(self, x):
        h = self.encoder(x)
        if self.quant_conv is not None:
            h = self.quant_conv(h)
        mean, logvar = torch.chunk(h, 2, dim=1)
        logvar = torch.clamp(logvar, -30.0, 20.0)
        return mean, logvar

    def decode(self, z):
        if self.post_quant_conv is not None:
            z = self.post_quant_conv(z)
        return self.decoder(z)
