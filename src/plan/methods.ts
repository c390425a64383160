// The method ids of /work/shared/METHODS.md as the planner knows them: a family per id (what kind of
// machinery it is, which is what the planner's accuracy is measured on) and whether the first wave
// of editing methods ships it. A plan may name an unavailable method; the reply then says so.

export const METHOD_FAMILIES = {
  sampler: ['sample.ddim', 'sample.ddpm', 'sample.euler', 'sample.dpmpp2m'],
  guidance: ['guide.cfg', 'guide.classifier', 'guide.clip', 'guide.prompt_switch'],
  inversion: [
    'invert.ddim',
    'invert.null_text',
    'invert.negative_prompt',
    'invert.direct',
    'invert.ddpm',
  ],
  /** Noise the input part-way and denoise toward the target. */
  noise: ['sdedit', 'ilvr'],
  /** Change only inside a mask, keep the rest. */
  mask: ['repaint', 'inpaint', 'blended', 'diffedit'],
  /** Several prompts, each owning a region of the canvas. */
  region: ['multidiffusion', 'diffcollage', 'collage', 'paint_with_words', 'layout'],
  /** Prompt-to-Prompt cross-attention control. */
  p2p: ['p2p.replace', 'p2p.refine', 'p2p.reweight', 'p2p.local'],
  /** Inject the source's features or self-attention so the layout survives a new prompt. */
  feature: ['pnp', 'fpe'],
  /** Mutual self-attention: a new layout (pose, size) with the source's appearance. */
  mutual: ['masactrl'],
  direction: ['pix2pix_zero', 'time'],
  video: ['video_p2p'],
  latent: ['riemann.basis', 'riemann.edit', 'riemann.transport', 'riemann.geodesic', 'asyrp', 'hedit'],
  sae: ['sae.train', 'sae.dictionary', 'sae.compose', 'sae.move', 'sae.style'],
  finetune: [
    'textual_inversion',
    'dreambooth',
    'svdiff',
    'imagic',
    'unitune',
    'diffusionclip',
    'ip2p',
    'sketch',
    'pair',
    'vpd',
  ],
  analysis: ['inspect.attention'],
} as const;

export type MethodFamily = keyof typeof METHOD_FAMILIES;
export type MethodId = (typeof METHOD_FAMILIES)[MethodFamily][number];

export const METHOD_IDS = Object.values(METHOD_FAMILIES).flat() as MethodId[];

/** What issue "Editing methods, first wave" delivers, plus what those methods stand on. */
const AVAILABLE: ReadonlySet<MethodId> = new Set<MethodId>([
  'sample.ddim',
  'guide.cfg',
  'guide.prompt_switch',
  'invert.ddim',
  'invert.direct',
  'sdedit',
  'ilvr',
  'repaint',
  'blended',
  'diffedit',
  'p2p.replace',
  'p2p.refine',
  'p2p.reweight',
  'p2p.local',
  'pnp',
  'fpe',
  'masactrl',
  'paint_with_words',
  'multidiffusion',
]);

const FAMILY_OF = new Map<string, MethodFamily>(
  (Object.entries(METHOD_FAMILIES) as [MethodFamily, readonly MethodId[]][]).flatMap(([family, ids]) =>
    ids.map((id) => [id, family] as const),
  ),
);

export function isMethodId(id: string): id is MethodId {
  return FAMILY_OF.has(id);
}

export function familyOf(id: MethodId): MethodFamily {
  const family = FAMILY_OF.get(id);
  if (!family) throw new Error(`unknown method id ${id}`);
  return family;
}

export function isAvailable(id: MethodId): boolean {
  return AVAILABLE.has(id);
}

/**
 * Methods that edit a source by running a source branch next to the target branch (attention or
 * feature control). On an uploaded photo that branch has to come from an inversion.
 */
const NEEDS_SOURCE_BRANCH: ReadonlySet<MethodId> = new Set<MethodId>([
  'p2p.replace',
  'p2p.refine',
  'p2p.reweight',
  'p2p.local',
  'pnp',
  'fpe',
  'masactrl',
  'sae.move',
  'sae.style',
]);

export function needsSourceBranch(id: MethodId): boolean {
  return NEEDS_SOURCE_BRANCH.has(id);
}

/** Short human names for replies. */
export const METHOD_NAMES: Partial<Record<MethodId, string>> = {
  'sample.ddim': 'DDIM sampling',
  'invert.ddim': 'DDIM inversion',
  'invert.direct': 'Direct Inversion',
  'invert.null_text': 'Null-text inversion',
  sdedit: 'SDEdit',
  ilvr: 'ILVR',
  repaint: 'RePaint',
  blended: 'Blended Diffusion',
  diffedit: 'DiffEdit',
  multidiffusion: 'MultiDiffusion',
  paint_with_words: 'paint-with-words',
  'p2p.replace': 'Prompt-to-Prompt word swap',
  'p2p.refine': 'Prompt-to-Prompt refinement',
  'p2p.reweight': 'Prompt-to-Prompt reweighting',
  'p2p.local': 'Prompt-to-Prompt with local blending',
  pnp: 'Plug-and-Play',
  fpe: 'Free-Prompt-Editing',
  masactrl: 'MasaCtrl',
  'sae.move': 'SAE spatial steering',
  'sae.style': 'SAE style steering',
  'inspect.attention': 'attention maps',
};

export function methodName(id: MethodId): string {
  return METHOD_NAMES[id] ?? id;
}
