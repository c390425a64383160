// What one clause of an instruction asks for, before any method is chosen.
import type { Size } from './lexicon.ts';
import type { Attribute, Direction, Ratio, Region, RegionPrompt } from './schema.ts';

/** How strongly: "a bit" is slight, "much" / "a lot" strong. */
export type Amount = 'slight' | 'normal' | 'strong';

/** "next to the star" (no offset) or "above the star" (an offset from it). */
export interface Relation {
  object: string;
  offset?: Direction;
}

export type Intent =
  /** "make the cat a tiger" */
  | { kind: 'swap'; object: string; target: string }
  /** "make it blue", "red to blue", "make it striped"; `from` when the old value was said. */
  | { kind: 'attribute'; attribute: Attribute; object?: string; value: string; from?: string }
  /** "make it bigger", "make the star large" */
  | { kind: 'resize'; object?: string; size: Size; relative: boolean; amount: Amount }
  /** "add a hat to the cat" (anchor), "put a moon in the top right", "add a circle left of the star" (relativeTo) */
  | { kind: 'add'; object: string; region?: Region; anchor?: string; relativeTo?: Relation; corner?: boolean }
  /** "remove the square", "erase whatever is in the corner" */
  | { kind: 'remove'; object?: string; region?: Region }
  /** "move the star to the top left", "shift it up a bit" */
  | {
      kind: 'move';
      object?: string;
      region?: Region;
      direction?: Direction;
      amount: Amount;
      relativeTo?: Relation;
      /** "to a corner", without saying which: we ask which. */
      corner?: boolean;
    }
  /** "watercolor", "in the style of van gogh" */
  | { kind: 'style'; style: string; amount: Amount }
  /** "more snow", "much less fog", "snowier" */
  | { kind: 'reweight'; word: string; more: boolean; amount: Amount; adjective?: boolean; object?: string }
  /** "make the dog sit" */
  | { kind: 'pose'; subject?: string; action: string }
  /** "make it wider", "16:9", "extend to the left" */
  | { kind: 'canvas'; ratio: Ratio; extend: 'horizontal' | 'vertical' | Direction }
  /** "sky on top, sand below" */
  | { kind: 'regions'; regions: RegionPrompt[] }
  /** one "X on the left" piece; several become `regions` */
  | { kind: 'region_piece'; prompt: string; region: Region }
  /** "show me variations", "4 more like this" */
  | { kind: 'variations'; count: number; amount: Amount }
  /** "make it night", "in winter": a phrase added to the whole scene */
  | { kind: 'scene'; phrase: string; word: string }
  /** something a diffusion edit can't do (rotate, crop, undo) */
  | { kind: 'unsupported'; what: string }
  /** "make it pop", "make it look better": no change named; we offer some. */
  | { kind: 'vague'; object?: string }
  /** just a noun ("a tiger"): swap or add? We ask. */
  | { kind: 'bare_noun'; noun: string };

export type IntentKind = Intent['kind'];
