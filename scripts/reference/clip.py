"""Independent re-implementation of transformers' CLIPTextModel / CLIPVisionModel /
CLIPModel (eager attention) with the exact transformers key names.

Pooling of the text tower follows current transformers (modeling_clip.py):
  eos_token_id == 2  -> legacy: index = argmax(input_ids)
  otherwise          -> index = first position where input_ids == eos_token_id
"""
import torch
import torch.nn as nn

from common import REC, activation


class CLIPAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.head_dim = dim // heads
        self.scale = self.head_dim ** -0.5
        self.q_proj = nn.Linear(dim, dim)
        self.k_proj = nn.Linear(dim, dim)
        self.v_proj = nn.Linear(dim, dim)
        self.out_proj = nn.Linear(dim, dim)

    def forward(self, x, causal):
        B, L, C = x.shape
        H, D = self.heads, self.head_dim
        q = self.q_proj(x).reshape(B, L, H, D).transpose(1, 2)
        k = self.k_proj(x).reshape(B, L, H, D).transpose(1, 2)
        v = self.v_proj(x).reshape(B, L, H, D).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-1, -2)) * self.scale
        if causal:
            mask = torch.triu(torch.ones(L, L, dtype=torch.bool, device=x.device), diagonal=1)
            s = s.masked_fill(mask, float("-inf"))
        p = torch.softmax(s, dim=-1)
        o = torch.matmul(p, v).transpose(1, 2).reshape(B, L, C)
        return self.out_proj(o)


class CLIPMLP(nn.Module):
    def __init__(self, dim, inter, act):
        super().__init__()
        self.fc1 = nn.Linear(dim, inter)
        self.fc2 = nn.Linear(inter, dim)
        self.act = activation(act)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.self_attn = CLIPAttention(d, cfg["num_attention_heads"])
        self.layer_norm1 = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])
        self.mlp = CLIPMLP(d, cfg["intermediate_size"], cfg["hidden_act"])
        self.layer_norm2 = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])

    def forward(self, x, causal):
        x = x + self.self_attn(self.layer_norm1(x), causal)
        x = x + self.mlp(self.layer_norm2(x))
        return x


class CLIPEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.layers = nn.ModuleList([CLIPEncoderLayer(cfg) for _ in range(cfg["num_hidden_layers"])])

    def forward(self, x, causal):
        states = [x]
        for layer in self.layers:
            x = layer(x, causal)
            states.append(x)
        return x, states


class CLIPTextEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.token_embedding = nn.Embedding(cfg["vocab_size"], cfg["hidden_size"])
        self.position_embedding = nn.Embedding(cfg["max_position_embeddings"], cfg["hidden_size"])

    def forward(self, ids):
        pos = torch.arange(ids.shape[1], device=ids.device)
        return self.token_embedding(ids) + self.position_embedding(pos)[None]


class CLIPTextTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.embeddings = CLIPTextEmbeddings(cfg)
        self.encoder = CLIPEncoder(cfg)
        self.final_layer_norm = nn.LayerNorm(cfg["hidden_size"], eps=cfg["layer_norm_eps"])

    def forward(self, ids):
        h = self.embeddings(ids)
        h, states = self.encoder(h, causal=True)
        last = self.final_layer_norm(h)
        eos = self.cfg["eos_token_id"]
        if eos == 2:
            idx = ids.argmax(dim=-1)
        else:
            idx = (ids == eos).int().argmax(dim=-1)
        pooled = last[torch.arange(ids.shape[0], device=ids.device), idx]
        return last, pooled, states


class CLIPTextModel(nn.Module):
    """state-dict keys: text_model.*"""

    def __init__(self, cfg):
        super().__init__()
        self.text_model = CLIPTextTransformer(cfg)

    def forward(self, ids):
        return self.text_model(ids)


class CLIPVisionEmbeddings(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        p = cfg["patch_size"]
        self.class_embedding = nn.Parameter(torch.zeros(d))
        self.class_embedding._ref_free = True
        self.patch_embedding = nn.Conv2d(cfg["num_channels"], d, p, stride=p, bias=False)
        n = (cfg["image_size"] // p) ** 2 + 1
        self.position_embedding = nn.Embedding(n, d)

    def forward(self, px):
        B = px.shape[0]
        pe = self.patch_embedding(px).flatten(2).transpose(1, 2)
        cls = self.class_embedding.reshape(1, 1, -1).expand(B, 1, -1)
        x = torch.cat([cls, pe], dim=1)
        return x + self.position_embedding.weight[None]


class CLIPVisionTransformer(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        d = cfg["hidden_size"]
        self.embeddings = CLIPVisionEmbeddings(cfg)
        self.pre_layrnorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])  # sic, transformers' name
        self.encoder = CLIPEncoder(cfg)
        self.post_layernorm = nn.LayerNorm(d, eps=cfg["layer_norm_eps"])

    def forward(self, px):
        h = self.pre_layrnorm(self.embeddings(px))
        last, states = self.encoder(h, causal=False)
        pooled = self.post_layernorm(last[:, 0, :])
        return last, pooled, states


class CLIPModel(nn.Module):
    """keys: text_model.*, vision_model.*, visual_projection.weight, text_projection.weight, logit_scale"""

    def __init__(self, cfg):
        super().__init__()
        tc, vc = cfg["text_config"], cfg["vision_config"]
        pd = cfg["projection_dim"]
        self.text_model = CLIPTextTransformer(tc)
        self.vision_model = CLIPVisionTransformer(vc)
        self.visual_projection = nn.Linear(vc["hidden_size"], pd, bias=False)
        self.text_projection = nn.Linear(tc["hidden_size"], pd, bias=False)
        self.logit_scale = nn.Parameter(torch.tensor(float(cfg["logit_scale_init_value"])))

    def forward(self, px, ids):
        _, vpool, _ = self.vision_model(px)
        _, tpool, _ = self.text_model(ids)
        img = self.visual_projection(vpool)
        txt = self.text_projection(tpool)
        img = img / img.norm(p=2, dim=-1, keepdim=True)
        txt = txt / txt.norm(p=2, dim=-1, keepdim=True)
        logits_per_text = torch.matmul(txt, img.t()) * self.logit_scale.exp()
        return {"image_embeds": img, "text_embeds": txt, "logits_per_image": logits_per_text.t(),
                "logits_per_text": logits_per_text, "vision_pooler_output": vpool, "text_pooler_output": tpool}
