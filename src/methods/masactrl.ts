// MasaCtrl (Cao et al., ICCV 2023), mutual self-attention control: the target is sampled from the
// source's x_T with the target prompt, and from step S and layer L on its self-attention queries
// attend to the source's keys and values — the target's own layout (pose, action: the prompt) is
// filled with the source's content (colour, texture, identity). Non-rigid edits that keep identity.
//
// Defaults (official code): start step 4 of 50, start layer 10 of SD's 16 (forward order: the last
// six, the decoder's 32² and 64² layers); the source prompt is empty in the official real-image
// examples (give the request an empty source prompt to match). Both the unconditional and the
// conditional target elements attend to the source's element of the same kind, as the official code.
// Mapping (shared/layers.ts): the step is scaled to the run's steps (round(4·steps/50)); the layers
// are the decoder layers at SD's 32² and 64² resolutions, i.e. at least half the latent's side (the
// shipped model: its four 8×8 and 16×16 decoder layers, 6…9 of 10).
//
// Mask guidance (the paper's MasaCtrl with masks; official MutualSelfAttentionControlMask and
// …MaskAuto): target queries inside the object attend only to the source's object keys, the others
// only to its background keys, so the object's content and the background's stay apart. The masks
// are the request's mask (the same region in both images, e.g. a pose change in place), or, given
// `word`, read every step from the previous step's cross-attention maps of that word in each
// prompt (SD's 16×16 maps, max-normalised, thresholded at 0.1 as the official MaskAuto), so the
// target's mask follows where its prompt puts the object. SD's 16×16 is one resolution above its 8×8
// bottleneck, and the maps are taken at that level of any UNet (the shipped model's 8×8; its 4×4,
// a quarter of the latent as for SD, is its bottleneck, where a shape word's maps cover the image).
import { z } from 'zod';
import type { HostTensor } from '../engine/index.ts';
import { averageCrossAttention, crossAttentionCaptures } from '../models/unet/controls.ts';
import type { AttentionSite, UNetLayout } from '../models/unet/hooks.ts';
import { aboveBottleneck, mapSide } from './shared/layers.ts';
import { elementsOf, maskAtSite, resampleMask, sampleWithSource, wordTokens } from './shared/feature-control.ts';
import { defineMethod, EditRequestError } from './types.ts';

/** The cross-attention maps the official MaskAuto reads the masks from: one level above the bottleneck (SD's 16×16). */
const MASK_LEVEL = 1;

/** The official schedule's length, against which `startStep` is given. */
const PAPER_STEPS = 50;

export const masactrl = defineMethod({
  id: 'masactrl',
  name: 'MasaCtrl',
  summary: "Change pose or layout by the prompt while keeping the source's content (mutual self-attention)",
  edit: 'pose',
  alternativeFor: { pose: 0, move: 1 },
  promptDriven: true,
  params: z.strictObject({
    /** First controlled step, of 50 (official `start_step` 4); scaled to the run's steps. */
    startStep: z.number().int().min(0).max(PAPER_STEPS).default(4),
    /** First controlled layer, of SD's 16 (official `start_layer` 10: the decoder's 32² and 64² layers). */
    startLayer: z.number().int().min(0).max(16).default(10),
    /** With the request's mask: restrict keys by region (see the header). */
    useMask: z.boolean().default(true),
    /** The object's word in the source prompt: masks from its cross-attention maps (MaskAuto). */
    word: z.string().trim().min(1).max(60).optional(),
    /** The object's word in the target prompt (default: `word`). */
    targetWord: z.string().trim().min(1).max(60).optional(),
    /** Threshold on the max-normalised maps (official MaskAuto thres 0.1). */
    threshold: z.number().gt(0).lt(1).default(0.1),
  }),
  needs: { inversion: ['invert.direct', 'invert.ddim', 'invert.null_text', 'invert.negative_prompt'], hooks: true, mask: 'optional' },
  async run(input, params) {
    const { diffusion } = input;
    const [, , latentHeight, latentWidth] = diffusion.latentShape;
    const cond = await diffusion.encodePrompt(input.target.prompt);
    const guided = input.guidance !== 1;
    const start = Math.round((params.startStep * input.steps) / PAPER_STEPS);
    const sources = elementsOf(2, guided, 0);
    const targets = elementsOf(2, guided, 1);
    // SD's layer 10 of 16 is the first 32² decoder layer; layers from there on are those of the decoder
    // at SD sides ≥ 32 (the forward order goes 16², 32², 64² in the decoder). A start layer before the
    // decoder (< 7) also takes every decoder layer; the encoder is never controlled (as the official code's
    // layer count runs over its hooked decoder layers first for SD's last layers).
    const sdSide = params.startLayer >= 13 ? 64 : params.startLayer >= 10 ? 32 : params.startLayer >= 7 ? 16 : 1;
    const minTokens = mapSide(latentHeight, sdSide) * mapSide(latentWidth, sdSide);
    const layers = { place: 'up' as const, minTokens };
    const mask = params.useMask ? input.mask : undefined;
    if (mask && mask.latent.length !== latentHeight * latentWidth) throw new EditRequestError(`the mask is ${mask.latentWidth}×${mask.latentHeight} at latent size, the latent ${latentWidth}×${latentHeight}`);
    const auto = params.word === undefined && params.targetWord === undefined
      ? undefined
      : {
          source: wordTokens(diffusion, input.source.prompt, params.word ?? params.targetWord!),
          target: wordTokens(diffusion, input.target.prompt, params.targetWord ?? params.word!),
          grid: undefined as { height: number; width: number } | undefined,
        };
    // The object's region in each image at latent resolution: fixed (request mask) or the last step's maps.
    let regions: { source: Float32Array; target: Float32Array } | undefined = mask && !auto ? { source: mask.latent, target: mask.latent } : undefined;
    const regionAt = (region: Float32Array, site: AttentionSite) => maskAtSite(region, latentWidth, latentHeight, site);
    let layout: UNetLayout | undefined;
    let controlled = 0;
    let restricted = 0;
    const latents = await sampleWithSource(
      input,
      [cond],
      (controls, step) => {
        if (step < start) return false;
        if (step === start) controlled = controls.selfAttention(layers).length;
        targets.forEach((to, i) => controls.attendTo({ layers, from: sources[i] as number, to }));
        if (regions) {
          const { source, target } = regions;
          for (const element of targets) controls.restrictKeys({ layers, element, queriesInside: (site) => regionAt(target, site), keysInside: (site) => regionAt(source, site) });
          restricted++;
        }
        return true;
      },
      {
        unet: mask || auto ? { keyRegions: true } : undefined,
        captures: auto && ((unet) => {
          layout = unet.layout;
          // (a UNet with a single cross-attention resolution uses that one)
          auto.grid = aboveBottleneck(unet.layout.crossAttention, MASK_LEVEL) ?? aboveBottleneck(unet.layout.crossAttention, 0)!;
          return crossAttentionCaptures(unet.layout, auto.grid.height, auto.grid.width);
        }),
        onCaptures: auto && ((_step, captures) => {
          const grid = auto.grid!;
          const maps = averageCrossAttention(captures, layout!, { ...grid, place: ['down', 'up'] });
          regions = {
            source: objectRegion(maps, sources.at(-1) as number, auto.source, grid, latentWidth, latentHeight, params.threshold),
            target: objectRegion(maps, targets.at(-1) as number, auto.target, grid, latentWidth, latentHeight, params.threshold),
          };
        }),
      },
    );
    return {
      latent: latents[1] as Float32Array,
      extraLatents: { source: latents[0] as Float32Array },
      metrics: { startStep: start, controlledLayers: controlled, restrictedSteps: restricted },
      mask: regions?.target,
    };
  },
});

/**
 * Where a word's tokens attend in one batch element, as a binary mask at latent resolution: the
 * summed maps of its tokens, max-normalised, above `threshold` (official MaskAuto).
 */
function objectRegion(
  maps: HostTensor,
  element: number,
  tokens: readonly number[],
  grid: { height: number; width: number },
  latentWidth: number,
  latentHeight: number,
  threshold: number,
): Float32Array {
  const [, pixels, keys] = maps.shape as [number, number, number];
  const data = maps.data as Float32Array;
  const map = new Float32Array(pixels);
  for (let p = 0; p < pixels; p++) for (const t of tokens) map[p] = (map[p] as number) + (data[(element * pixels + p) * keys + t] as number);
  let max = 0;
  for (const v of map) max = Math.max(max, v);
  const binary = map.map((v) => (max > 0 && v / max > threshold ? 1 : 0));
  return resampleMask(binary, grid.width, grid.height, latentWidth, latentHeight).map((v) => (v > 0.5 ? 1 : 0));
}
