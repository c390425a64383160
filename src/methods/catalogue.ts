// Every method id of /work/shared/METHODS.md, registered or not: a family per id (what kind of
// machinery it is, which is what the planner's accuracy is measured on) and a name for replies. The
// planner may name any of them; one that isn't registered (src/methods/registry.ts) is "known, not
// available yet". Also the kinds of edit a plan step makes, which methods declare they serve.

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

/** Names for replies of ids nothing registers yet (a registered method or inversion names itself). */
export const UNREGISTERED_NAMES: Partial<Record<MethodId, string>> = {
  'sae.move': 'SAE spatial steering',
  'sae.style': 'SAE style steering',
  'inspect.attention': 'attention maps',
};

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

/** What a plan step does to the picture. */
export const EDIT_KINDS = [
  'generate',
  'swap',
  'attribute',
  'add',
  'remove',
  'move',
  'style',
  'reweight',
  'pose',
  'canvas',
  'regions',
  'variations',
  'custom',
] as const;
export type EditKind = (typeof EDIT_KINDS)[number];
