// The papers name layers of SD 1.x at 512×512 (a 64×64 latent): "self-attention in maps of at most
// 32² tokens", "16×16 cross-attention maps". Other models and sizes are mapped by resolution relative
// to the latent: SD's 32² of a 64² latent is "half the latent's side" everywhere, so on the shipped
// model's 16×16 latent it is 8×8. Layer counts differ too (SD has 16 transformer blocks, the shipped
// model 10), so forward-order positions are mapped as fractions of the count.
import type { LayerSelector } from '../../models/unet/controls.ts';

/** SD 1.x's latent side at its native 512×512. */
export const SD_LATENT_SIDE = 64;
/** Transformer blocks (self- and cross-attention pairs) in SD 1.x's UNet. */
export const SD_ATTENTION_LAYERS = 16;

/** The side of this latent's map that corresponds to SD's `sdSide` (at least 1). */
export function mapSide(latentSide: number, sdSide: number): number {
  return Math.max(1, Math.round((sdSide * latentSide) / SD_LATENT_SIDE));
}

/** Layers of at most SD's `sdSide`² tokens, for a latent of `latentHeight`×`latentWidth`. */
export function atMostSdTokens(latentHeight: number, latentWidth: number, sdSide: number): LayerSelector {
  return { maxTokens: mapSide(latentHeight, sdSide) * mapSide(latentWidth, sdSide) };
}

/** SD's forward-order layer `sdIndex` (of 16) as an index among `count` layers. */
export function mapLayerIndex(sdIndex: number, count: number, sdCount = SD_ATTENTION_LAYERS): number {
  return Math.min(count, Math.max(0, Math.round((sdIndex * count) / sdCount)));
}
