"""Shared pieces of the independent reference: deterministic random init,
a recorder for intermediate tensors, and a plain matmul+softmax attention.

Written from scratch for checking the TypeScript implementations; the module
attribute names follow diffusers / transformers so that state_dict() keys are
exactly the published checkpoint key names.
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class Recorder:
    """Collects intermediate tensors by name while enabled."""

    def __init__(self):
        self.enabled = False
        self.wanted = None  # set of names or None for all
        self.data = {}

    def want(self, name):
        return self.enabled and (self.wanted is None or name in self.wanted)

    def put(self, name, t):
        if self.want(name):
            self.data[name] = t.detach().clone()


REC = Recorder()


def name_modules(root):
    """Give every submodule a `_ref_name` equal to its state-dict prefix."""
    for n, m in root.named_modules():
        m._ref_name = n


def activation(name):
    if name in ("silu", "swish"):
        return F.silu
    if name == "quick_gelu":
        return lambda x: x * torch.sigmoid(1.702 * x)
    if name == "gelu":
        return lambda x: F.gelu(x)  # exact erf form
    raise ValueError(name)


@torch.no_grad()
def random_init(model, seed, gain=1.0):
    """Deterministic init giving non-trivial activations on every path.

    Norm weights ~ 1 +- 0.1, norm biases ~ +-0.1, linear/conv weights
    ~ N(0, gain/sqrt(fan_in)), biases ~ N(0, 0.05), embeddings ~ N(0, 0.5).
    Generated in float32 (call model.double() afterwards for the compute).
    """
    g = torch.Generator().manual_seed(seed)
    for mname, m in model.named_modules():
        if isinstance(m, (nn.GroupNorm, nn.LayerNorm)):
            if m.weight is not None:
                m.weight.copy_(1.0 + 0.1 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
        elif isinstance(m, (nn.Linear, nn.Conv2d)):
            fan_in = m.weight[0].numel()
            m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (gain / math.sqrt(fan_in)))
            if m.bias is not None:
                m.bias.copy_(0.05 * torch.randn(m.bias.shape, generator=g))
        elif isinstance(m, nn.Embedding):
            m.weight.copy_(0.5 * torch.randn(m.weight.shape, generator=g))
    # free parameters (e.g. CLIP class_embedding)
    for pname, p in model.named_parameters(recurse=True):
        if getattr(p, "_ref_free", False):
            p.copy_(0.5 * torch.randn(p.shape, generator=g))


def float32_state_dict(model):
    return {k: v.detach().to(torch.float32).contiguous() for k, v in model.state_dict().items()}


class Attention(nn.Module):
    """diffusers `Attention` (AttnProcessor semantics) with matmul + softmax.

    Keys: to_q, to_k, to_v, to_out.0, optional group_norm.
    Handles 3-D [B, L, C] input, and 4-D [B, C, H, W] input (VAE mid block,
    with group_norm + residual connection).
    """

    def __init__(self, query_dim, cross_attention_dim=None, heads=8, dim_head=64, bias=False,
                 out_bias=True, norm_num_groups=None, eps=1e-5, residual_connection=False):
        super().__init__()
        inner = heads * dim_head
        cad = cross_attention_dim if cross_attention_dim is not None else query_dim
        self.heads = heads
        self.dim_head = dim_head
        self.scale = dim_head ** -0.5
        self.residual_connection = residual_connection
        self.group_norm = nn.GroupNorm(norm_num_groups, query_dim, eps=eps) if norm_num_groups else None
        self.to_q = nn.Linear(query_dim, inner, bias=bias)
        self.to_k = nn.Linear(cad, inner, bias=bias)
        self.to_v = nn.Linear(cad, inner, bias=bias)
        self.to_out = nn.ModuleList([nn.Linear(inner, query_dim, bias=out_bias)])

    def forward(self, x, context=None):
        residual = x
        four_d = x.ndim == 4
        if four_d:
            b, c, h, w = x.shape
            x = x.reshape(b, c, h * w).transpose(1, 2)
        if self.group_norm is not None:
            x = self.group_norm(x.transpose(1, 2)).transpose(1, 2)
        ctx = x if context is None else context
        q = self.to_q(x)
        k = self.to_k(ctx)
        v = self.to_v(ctx)
        n = self._ref_name
        REC.put(n + ".q", q)
        REC.put(n + ".k", k)
        REC.put(n + ".v", v)
        B, Lq, inner = q.shape
        Lk = k.shape[1]
        H, D = self.heads, inner // self.heads
        # head_to_batch_dim: [B, L, H*D] -> [B*H, L, D], index b*H + h
        qh = q.reshape(B, Lq, H, D).permute(0, 2, 1, 3).reshape(B * H, Lq, D)
        kh = k.reshape(B, Lk, H, D).permute(0, 2, 1, 3).reshape(B * H, Lk, D)
        vh = v.reshape(B, Lk, H, D).permute(0, 2, 1, 3).reshape(B * H, Lk, D)
        scores = torch.matmul(qh, kh.transpose(1, 2)) * self.scale
        probs = torch.softmax(scores, dim=-1)
        REC.put(n + ".probs", probs)
        if getattr(self, "keep_probs", False):  # the trainer's attention distillation reads them, gradients kept
            self.last_probs = probs
        o = torch.matmul(probs, vh)
        o = o.reshape(B, H, Lq, D).permute(0, 2, 1, 3).reshape(B, Lq, H * D)
        o = self.to_out[0](o)
        if four_d:
            o = o.transpose(1, 2).reshape(b, c, h, w)
        if self.residual_connection:
            o = o + residual
        return o
