// The limits and defaults of sampling that every entry point shares (plan schemas, slash commands,
// chat settings, the CLI, the workers, the pipeline), so each says the same thing about the same
// value. Defaults are Stable Diffusion's (50 DDIM steps, guidance 7.5), as in the papers of METHODS.md.

export const STEPS = {
  min: 1,
  /**
   * Below the 1000 training timesteps: SD's DDIM spacing (leading, offset 1) would put a 1000-step
   * schedule's first timestep at 1000, past the end; and no edit needs more than a few hundred.
   */
  max: 500,
  default: 50,
} as const;

export const GUIDANCE = {
  min: 0,
  /** Far past what any method uses (SD's 7.5, InstructPix2Pix's text scale 7.5); higher only saturates. */
  max: 30,
  default: 7.5,
} as const;

/** The range Stronger / Weaker move a drawing's guidance in, a notch at a time. */
export const GUIDANCE_DIAL = { min: 1, max: 20, notch: 2.5 } as const;

/** Seeds: the sampler's generator takes 32 bits. */
export const SEED = { min: 0, max: 2 ** 32 - 1, default: 0 } as const;

/** Characters of a prompt, a negative prompt or a caption. */
export const PROMPT_MAX_CHARS = 500;

/**
 * A concept dictionary's build (`retouch concepts`, `/concepts build:true`, the worker's 'train' job):
 * how many world captions are drawn, from which seed, with how many sampling steps, and how many
 * epochs each site's SAE trains (the other SAE settings are src/concepts/build.ts's SAE_DEFAULTS).
 */
export const CONCEPT_BUILD = {
  /** One image is held out to measure the SAEs, so two is the least that leaves one to train on. */
  prompts: { min: 2, max: 20_000, default: 600 },
  seed: { min: SEED.min, max: SEED.max, default: 1 },
  steps: { min: STEPS.min, max: STEPS.max, default: 25 },
  epochs: { min: 1, max: 1000 },
  /** The name a model's dictionary gets unless one is given (a rebuild of the same name replaces it). */
  name: 'default',
} as const;

/** Pictures of a dictionary's concepts (`/concepts <word>`, `retouch concepts search --out` and `heatmap`). */
export const CONCEPT_PICTURES = {
  /** Side of the thumbnail (WebP) kept with a dictionary of each build picture that is some feature's top image. */
  thumbnailSide: 64,
  /** A search's picture: the best features (one row each) and the top images shown of each, at `shownSide`. */
  features: 3,
  topImages: 6,
  shownSide: 128,
  /** A heat map is drawn at the picture's own size, scaled up to at least this side. */
  heatmapSide: 512,
  /** The noise a picture is taken to its site's timestep with: the same picture always gives the same map. */
  seed: 0,
} as const;
