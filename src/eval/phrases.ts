// The phrase bank of the conversation eval: how people ask for each kind of edit, in their own words.
// Every kind has phrasings marked `tune` (used while building the planner) and `held` (never looked
// at while tuning; the figures in the docs are on these, with seeds never tuned on). Slots:
//   {it}         "it" when the picture has one object, else "the <shape>"
//   {the}        "the <shape>"        {shape}   the object's shape
//   {colour}     a new colour         {current} its colour now
//   {newshape}   a shape not in the picture
//   {place}      a free cell ("top left", "bottom middle", …)
//   {background} a new background     {pattern} striped / dotted / outlined
//   {addshape} {addcolour}            a new object

export const EDIT_KINDS = ['colour', 'shape', 'move', 'resize', 'add', 'remove', 'background', 'pattern', 'less', 'compound', 'followup', 'vague', 'style'] as const;
export type PhraseKind = (typeof EDIT_KINDS)[number];

export interface Phrase {
  kind: PhraseKind;
  text: string;
  split: 'tune' | 'held';
  /** For resize: which way; for followups: what they do. */
  direction?: 'larger' | 'smaller';
  then?: 'larger' | 'smaller' | 'move' | 'colour';
  /** For pattern phrasings that name one pattern. */
  pattern?: 'striped' | 'dotted' | 'outlined' | 'flat';
  /** For background phrasings that name one background. */
  background?: 'night';
}

const tune = (kind: PhraseKind, text: string, extra: Partial<Phrase> = {}): Phrase => ({ kind, text, split: 'tune', ...extra });
const held = (kind: PhraseKind, text: string, extra: Partial<Phrase> = {}): Phrase => ({ kind, text, split: 'held', ...extra });

export const PHRASES: readonly Phrase[] = [
  tune('colour', 'make {it} {colour}'),
  tune('colour', 'turn {it} {colour}'),
  tune('colour', 'change the colour of {the} to {colour}'),
  tune('colour', 'can you make {it} {colour}?'),
  held('colour', 'paint {it} {colour}'),
  held('colour', 'I want {the} to be {colour}'),
  held('colour', 'recolor {it} {colour}'),

  tune('shape', 'turn {it} into a {newshape}'),
  tune('shape', 'make {it} a {newshape}'),
  tune('shape', 'change {the} to a {newshape}'),
  held('shape', 'replace {the} with a {newshape}'),
  held('shape', 'swap {the} for a {newshape}'),
  held('shape', 'can it be a {newshape} instead?'),

  tune('move', 'move {it} to the {place}'),
  tune('move', 'put {it} in the {place}'),
  held('move', 'shift {it} to the {place}'),
  // Held out until the table of 2026-12-07 (seed 5001) failed on it; the planner was fixed after, so tuning.
  tune('move', "I'd like {the} in the {place}"),
  held('move', 'could you put {the} in the {place}?'),
  held('move', 'place {the} in the {place}'),

  tune('resize', 'make {it} bigger', { direction: 'larger' }),
  tune('resize', 'make {it} smaller', { direction: 'smaller' }),
  tune('resize', 'make {it} twice as big', { direction: 'larger' }),
  held('resize', 'enlarge {it}', { direction: 'larger' }),
  held('resize', 'shrink {it}', { direction: 'smaller' }),
  held('resize', 'make {the} a bit larger', { direction: 'larger' }),
  // Held out until the table of 2026-12-07 (seed 5001) failed on it; the planner was fixed after, so tuning.
  tune('resize', 'scale {it} down', { direction: 'smaller' }),
  held('resize', 'can you make {it} larger?', { direction: 'larger' }),
  held('resize', 'I want {the} smaller', { direction: 'smaller' }),

  tune('add', 'add a {addcolour} {addshape} in the {place}'),
  tune('add', 'put a {addcolour} {addshape} in the {place}'),
  tune('add', 'add a small {addcolour} {addshape} in the {place}'),
  held('add', 'draw a {addcolour} {addshape} in the {place}'),
  held('add', 'can you add a {addcolour} {addshape} in the {place}?'),
  tune('add', 'I want a {addcolour} {addshape} in the {place} too'),
  held('add', 'there should be a {addcolour} {addshape} in the {place} as well'),
  tune('add', 'could I get a {addcolour} {addshape} in the {place}?'),
  held('add', 'stick a {addcolour} {addshape} in the {place}'),

  tune('remove', 'remove {the}'),
  tune('remove', 'delete {it}'),
  tune('remove', 'get rid of {the}'),
  held('remove', 'erase {the}'),
  held('remove', 'take {the} out'),
  held('remove', "I don't want the {shape}"),

  tune('background', 'change the background to {background}'),
  tune('background', 'put {it} on {background}'),
  tune('background', 'what would this look like at night?', { background: 'night' }),
  held('background', 'make the background {background}'),
  held('background', 'set it on {background} instead'),
  held('background', 'how would it look on {background}?'),

  tune('pattern', 'give {it} stripes', { pattern: 'striped' }),
  tune('pattern', 'make {it} striped', { pattern: 'striped' }),
  tune('pattern', 'make {it} dotted', { pattern: 'dotted' }),
  tune('pattern', 'make {it} outlined', { pattern: 'outlined' }),
  held('pattern', 'put stripes on {the}', { pattern: 'striped' }),
  held('pattern', 'give {the} polka dots', { pattern: 'dotted' }),
  held('pattern', 'make {the} dotted please', { pattern: 'dotted' }),

  tune('less', 'make {it} a bit less {current}'),
  tune('less', 'less {current}'),
  held('less', 'make {it} less {current}'),

  tune('compound', 'undo that and make {it} {colour} instead'),
  held('compound', 'go back and make {it} {colour}'),
  held('compound', 'never mind, make it {colour}'),

  tune('followup', 'now make it bigger', { then: 'larger' }),
  tune('followup', 'now make it smaller', { then: 'smaller' }),
  held('followup', 'now move it to the {place}', { then: 'move' }),
  held('followup', 'and now make it {colour}', { then: 'colour' }),

  tune('vague', 'make it pop'),
  tune('vague', 'make the {shape} pop more'),
  held('vague', 'make it stand out'),

  tune('style', 'watercolor'),
  tune('style', 'make it look like an oil painting'),
  held('style', 'make it look happier'),
  held('style', 'in the style of van gogh'),
];
