// The papers name layers of SD 1.x at 512×512 (a 64×64 latent): "self-attention in maps of at most
// 32² tokens", "16×16 cross-attention maps". Other models and sizes are mapped by resolution relative
// to the latent: SD's 32² of a 64² latent is "half the latent's side" everywhere, so on the shipped
// model's 16×16 latent it is 8×8. Layer counts differ too (SD has 16 transformer blocks, the shipped
// model 10), so forward-order positions are mapped as fractions of the count. A few sites are counted
// from the bottleneck instead (`aboveBottleneck`), where the shipped UNet's missing level would put a
// quarter of the latent on its bottleneck.
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

/**
 * The map size `levels` resolutions above the coarsest of these sites (the UNet's bottleneck):
 * SD's 16×16 of a 64² latent is one level above its 8×8, the shipped model's one above 4×4 is 8×8.
 * Undefined when the sites have no such level.
 */
export function aboveBottleneck(sites: readonly { height: number; width: number }[], levels: number): { height: number; width: number } | undefined {
  const sizes = [...new Map(sites.map((site) => [site.height, site.width] as const)).entries()].sort((a, b) => a[0] - b[0]);
  const size = sizes[levels];
  return size && { height: size[0], width: size[1] };
}
