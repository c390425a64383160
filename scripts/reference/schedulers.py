"""Independent reference for the TypeScript schedulers in src/pipeline/schedulers/.

Written from the papers and diffusers' documented semantics (no diffusers code imported or
copied): DDIM (Song et al.), DDPM ancestral with "fixed_small" variance (Ho et al.), Euler
ancestral in sigma space (Karras et al. / k-diffusion), DPM-Solver++(2M) (Lu et al.), classifier-free
guidance and guidance rescale (Lin et al.). Betas and alpha cumprods are computed in float32 with
torch exactly as diffusers does; everything after that is float64 numpy.

It runs a synthetic "model" (eps = 0.1*x + 0.05*sin(t/100)) through 20-step sampling loops from
a fixed latent (1x4x8x8) with fixed per-step noises drawn from a port of the engine's mulberry32 +
Box-Muller generator (src/engine/random.ts), and writes test/pipeline/fixtures/schedulers.json.

    /usr/bin/python3 scripts/reference/schedulers.py
"""
import json
import math
import os
import sys

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(ROOT, 'test', 'pipeline', 'fixtures', 'schedulers.json')
N = 256  # 1x4x8x8
STEPS = 20
M32 = 0xFFFFFFFF


# --- the engine's seeded generator (mulberry32 + Box-Muller), ported ---------------------------

def imul(a, b):
    return (a * b) & M32


class Random:
    def __init__(self, seed):
        self.state = seed & M32
        self.spare = None

    def uniform(self):
        self.state = (self.state + 0x6D2B79F5) & M32
        t = self.state
        t = imul(t ^ (t >> 15), t | 1)
        t = t ^ ((t + imul(t ^ (t >> 7), t | 61)) & M32)
        return ((t ^ (t >> 14)) & M32) / 4294967296

    def normal(self):
        if self.spare is not None:
            v, self.spare = self.spare, None
            return v
        u = 1 - self.uniform()
        v = self.uniform()
        radius = math.sqrt(-2 * math.log(u))
        self.spare = radius * math.sin(2 * math.pi * v)
        return radius * math.cos(2 * math.pi * v)

    def normal_f32(self, n):
        """Like NoiseSource.normal: float32 values, returned as float64."""
        return np.array([self.normal() for _ in range(n)], dtype=np.float32).astype(np.float64)


# --- the training schedule -------------------------------------------------------------------

SD = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule='scaled_linear',
          prediction_type='epsilon', steps_offset=1, set_alpha_to_one=False, clip_sample=False)


def alphas_cumprod(cfg):
    T = cfg['num_train_timesteps']
    if cfg['beta_schedule'] == 'scaled_linear':
        betas = torch.linspace(cfg['beta_start'] ** 0.5, cfg['beta_end'] ** 0.5, T, dtype=torch.float32) ** 2
    elif cfg['beta_schedule'] == 'linear':
        betas = torch.linspace(cfg['beta_start'], cfg['beta_end'], T, dtype=torch.float32)
    else:
        raise ValueError(cfg['beta_schedule'])
    return torch.cumprod(1.0 - betas, dim=0).numpy().astype(np.float64)


def leading(cfg, n):
    ratio = cfg['num_train_timesteps'] // n
    return [int(i * ratio + cfg['steps_offset']) for i in range(n)][::-1]


def linspace_fractional(cfg, n):
    return [float(v) for v in np.linspace(0, cfg['num_train_timesteps'] - 1, n).astype(np.float32)[::-1]]


def dpm_linspace(cfg, n):
    return [int(v) for v in np.round(np.linspace(0, cfg['num_train_timesteps'] - 1, n + 1))[::-1][:-1]]


def x0_eps(pred, m, x, abar):
    a, b = math.sqrt(abar), math.sqrt(1 - abar)
    if pred == 'epsilon':
        return (x - b * m) / a, m
    if pred == 'v_prediction':
        return a * x - b * m, a * m + b * x
    return m, (x - a * m) / b


# --- the four samplers -----------------------------------------------------------------------

class DDIM:
    def __init__(self, cfg, eta=0.0):
        self.cfg, self.eta = cfg, eta
        self.ac = alphas_cumprod(cfg)
        self.final = 1.0 if cfg['set_alpha_to_one'] else self.ac[0]
        self.init_noise_sigma = 1.0

    def set_timesteps(self, n):
        self.timesteps = leading(self.cfg, n)
        self.ratio = self.cfg['num_train_timesteps'] // n

    def abar(self, t):
        return self.final if t < 0 else self.ac[t]

    def scale(self, x, t):
        return x

    def step(self, m, t, x, noise):
        prev_t = t - self.ratio
        at, ap = self.abar(t), self.abar(prev_t)
        x0, eps = x0_eps(self.cfg['prediction_type'], m, x, at)
        var = (1 - ap) / (1 - at) * (1 - at / ap)
        std = self.eta * math.sqrt(var)
        out = math.sqrt(ap) * x0 + math.sqrt(1 - ap - std ** 2) * eps
        if self.eta > 0:
            out = out + std * noise(len(x))
        return out, x0

    def add_noise(self, x0, z, t):
        a = self.abar(t)
        return math.sqrt(a) * x0 + math.sqrt(1 - a) * z


class DDPM(DDIM):
    def step(self, m, t, x, noise):
        i = self.timesteps.index(t)
        prev_t = self.timesteps[i + 1] if i + 1 < len(self.timesteps) else -1
        at = self.ac[t]
        ap = self.ac[prev_t] if prev_t >= 0 else 1.0
        alpha = at / ap
        beta = 1 - alpha
        x0, _ = x0_eps(self.cfg['prediction_type'], m, x, at)
        mean = (math.sqrt(ap) * beta / (1 - at)) * x0 + (math.sqrt(alpha) * (1 - ap) / (1 - at)) * x
        if t > 0:
            var = max((1 - ap) / (1 - at) * beta, 1e-20)
            mean = mean + math.sqrt(var) * noise(len(x))
        return mean, x0


def train_sigmas(ac):
    return np.sqrt((1 - ac) / ac)


class EulerAncestral:
    def __init__(self, cfg, spacing='linspace'):
        self.cfg, self.spacing = cfg, spacing
        self.ac = alphas_cumprod(cfg)
        self.ts = train_sigmas(self.ac)

    def set_timesteps(self, n):
        self.timesteps = linspace_fractional(self.cfg, n) if self.spacing == 'linspace' else [float(t) for t in leading(self.cfg, n)]
        s = np.interp(np.array(self.timesteps), np.arange(len(self.ts)), self.ts)
        self.sigmas = list(np.concatenate([s, [0.0]]).astype(np.float32).astype(np.float64))
        smax = max(self.sigmas)
        self.init_noise_sigma = smax if self.spacing == 'linspace' else math.sqrt(smax ** 2 + 1)

    def scale(self, x, t):
        s = self.sigmas[self.timesteps.index(t)]
        return x / math.sqrt(s * s + 1)

    def step(self, m, t, x, noise):
        i = self.timesteps.index(t)
        s, s_to = self.sigmas[i], self.sigmas[i + 1]
        if self.cfg['prediction_type'] == 'epsilon':
            x0 = x - s * m
        else:
            x0 = m * (-s / math.sqrt(s * s + 1)) + x / (s * s + 1)
        up = math.sqrt(s_to ** 2 * (s ** 2 - s_to ** 2) / s ** 2)
        down = math.sqrt(s_to ** 2 - up ** 2)
        d = (x - x0) / s
        return x + d * (down - s) + up * noise(len(x)), x0


class DPMpp2M:
    """Data-prediction DPM-Solver++ with the 2M multistep update, first order at the first step
    (no history) and at the last (final sigma 0)."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.ac = alphas_cumprod(cfg)
        self.ts = train_sigmas(self.ac)
        self.init_noise_sigma = 1.0

    def set_timesteps(self, n):
        self.timesteps = dpm_linspace(self.cfg, n)
        s = np.interp(np.array(self.timesteps, dtype=np.float64), np.arange(len(self.ts)), self.ts)
        self.sigmas = list(np.concatenate([s, [0.0]]).astype(np.float32).astype(np.float64))
        self.prev_x0 = None
        self.prev_index = None

    def scale(self, x, t):
        return x

    @staticmethod
    def al(sigma):
        a = 1 / math.sqrt(sigma * sigma + 1)
        return a, sigma * a

    def add_noise(self, x0, z, t):
        s = float(np.float32(np.interp(t, np.arange(len(self.ts)), self.ts)))
        a, st = self.al(s)
        return a * x0 + st * z

    def step(self, m, t, x, noise):
        i = self.timesteps.index(t)
        a_s, s_s = self.al(self.sigmas[i])
        a_t, s_t = self.al(self.sigmas[i + 1])
        x0 = (x - s_s * m) / a_s
        lam_s = math.log(a_s / s_s)
        last = i == len(self.timesteps) - 1
        if last:  # sigma_t = 0: lands on x0
            out = x0.copy()
        else:
            lam_t = math.log(a_t / s_t)
            h = lam_t - lam_s
            if self.prev_x0 is None or self.prev_index != i - 1:
                out = (s_t / s_s) * x - a_t * (math.exp(-h) - 1) * x0
            else:
                a1, s1 = self.al(self.sigmas[i - 1])
                r0 = (lam_s - math.log(a1 / s1)) / h
                D1 = (x0 - self.prev_x0) / r0
                out = (s_t / s_s) * x - a_t * (math.exp(-h) - 1) * (x0 + 0.5 * D1)
        self.prev_x0, self.prev_index = x0, i
        return out, x0


# --- guidance --------------------------------------------------------------------------------

def cfg_rescale(uncond, cond, w, phi):
    g = uncond + w * (cond - uncond)
    if phi:
        g = phi * g * (np.std(cond, ddof=1) / np.std(g, ddof=1)) + (1 - phi) * g
    return g


# --- the synthetic models and the loops ------------------------------------------------------

def model(x, t):
    return 0.1 * x + 0.05 * math.sin(t / 100)


IDX = np.arange(N, dtype=np.float64)


def model_cond(x, t):
    return 0.12 * x + 0.03 * np.cos(t / 150 + 0.1 * IDX)


def init_latent():
    return Random(1234).normal_f32(N)


def run(sched, eps_fn, start=None, start_index=0, noise_seed=5678):
    rng = Random(noise_seed)
    sched.set_timesteps(STEPS)
    x = init_latent() * sched.init_noise_sigma if start is None else start
    record = {}
    for k, t in enumerate(sched.timesteps[start_index:]):
        inp = sched.scale(x, t)
        x, x0 = sched.step(eps_fn(inp, t), t, x, rng.normal_f32)
        if k == 0:
            record['after_first'] = x[:64]
            record['x0_first'] = x0[:64]
        if k == 9:
            record['after_10'] = x[:64]
    record['final'] = x
    return sched, record


def rounded(a):
    return [float('%.12g' % v) for v in a]


def main():
    runs = {}

    def add(name, sched, rec, **extra):
        runs[name] = dict(timesteps=[float(t) if isinstance(t, float) else int(t) for t in sched.timesteps],
                          init_noise_sigma=sched.init_noise_sigma,
                          **{k: rounded(v) for k, v in rec.items()}, **extra)

    s, r = run(DDIM(SD, 0.0), model)
    add('ddim', s, r)
    s, r = run(DDIM(SD, 1.0), model)
    add('ddim_eta1', s, r)
    s, r = run(DDIM(dict(SD, prediction_type='v_prediction'), 0.0), model)
    add('ddim_v', s, r)
    s, r = run(DDPM(SD), model)
    add('ddpm', s, r)
    s, r = run(EulerAncestral(SD, 'linspace'), model)
    add('euler_a', s, r)
    s, r = run(EulerAncestral(SD, 'leading'), model)
    add('euler_a_leading', s, r)
    s, r = run(DPMpp2M(SD), model)
    add('dpmpp2m', s, r)
    s, r = run(DDIM(SD, 0.0), lambda x, t: cfg_rescale(model(x, t), model_cond(x, t), 7.5, 0.7))
    add('ddim_cfg', s, r, guidance_scale=7.5, guidance_rescale=0.7)

    # img2img at strength 0.6: init = min(int(20*0.6), 20) = 12, start index 8.
    x_init = 0.5 * np.sin(0.1 * IDX)
    strength_noise = Random(91).normal_f32(N)
    init_steps = min(int(STEPS * 0.6), STEPS)
    start_index = STEPS - init_steps
    for name, sched in (('ddim_img2img', DDIM(SD, 0.0)), ('dpmpp2m_img2img', DPMpp2M(SD))):
        sched.set_timesteps(STEPS)
        t0 = sched.timesteps[start_index]
        start = sched.add_noise(x_init, strength_noise, t0)
        s, r = run(sched, model, start=start, start_index=start_index)
        add(name, s, r, start_index=start_index, start_timestep=t0, noised=rounded(start[:64]))

    ac = alphas_cumprod(SD)
    fixture = dict(
        about='scripts/reference/schedulers.py: synthetic eps = 0.1*x + 0.05*sin(t/100); 20 steps; '
              'init latent = Random(1234) normals (float32) * init_noise_sigma; step noise = Random(5678); '
              'intermediates are the first 64 values',
        steps=STEPS,
        init_latent_head=rounded(init_latent()[:16]),
        alphas_cumprod={str(t): float(ac[t]) for t in (0, 1, 499, 981, 999)},
        runs=runs,
    )
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {OUT} ({os.path.getsize(OUT)} bytes)')


if __name__ == '__main__':
    sys.exit(main())
