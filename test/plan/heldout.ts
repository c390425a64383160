// A held-out instruction set, written before the parser was read and never tuned on case by case:
// varied phrasing (synonyms, typos, politeness, pronouns, several steps, colours outside the world's
// ten, relative moves, style names, strength words, negations, questions, chatter). Same format and
// labelling conventions as instructions.ts; its score is the honest generalisation figure.
import type { ArgExpectation, ExpectedStep, LabelledCase } from './instructions.ts';

const STAR = 'a large red star in the top left on grass, striped';
const CIRCLE = 'a small blue circle in the center on sky, dotted';
const SQUARE = 'a medium green square in the bottom right on sand, flat';
const HEART = 'a small yellow heart in the top right on night, outlined';
const TRIANGLE = 'a large purple triangle in the center on plain, striped';
const RING = 'a small orange ring in the bottom left on night, dotted';
const TWO = 'a red circle in the top left and a blue square in the bottom right on grass';
const CAT = 'a cat sitting on a sofa';
const DOG = 'a dog running on the beach';
const MAN = 'a man standing in a field';
const CAR = 'a red car parked on a city street';
const BOWL = 'a bowl of apples on a wooden table';
const MOUNTAIN = 'a snowy mountain landscape at sunset';
const WOMAN = 'a woman with a hat holding an umbrella in the rain';
const HORSE = 'a horse in a meadow';
const TREE = 'a tree with blossoming flowers in spring';
const FOREST = 'a foggy forest at dawn';
const LAKE = 'a lake surrounded by mountains';
const TEDDY = 'a teddy bear sitting on a wooden chair';
const PEOPLE = 'two people walking on a beach at sunset';

const swap = (source: string, target: string | ArgExpectation): ExpectedStep => ({
  family: 'p2p',
  method: ['p2p.replace', 'p2p.local'],
  args: { source, target },
});
const color = (target: string | ArgExpectation, source: string): ExpectedStep => ({ family: 'p2p', args: { target, source } });
const recolor = (object: string, target: string): ExpectedStep => ({ family: ['p2p', 'mask'], args: { object, target } });
// A pattern change: p2p, or DiffEdit (mask), as in instructions.ts.
const texture = (target: string | ArgExpectation, source?: string): ExpectedStep => ({
  family: ['p2p', 'mask'],
  args: source ? { target, source } : { target },
});
const resize = (target: string, object?: string): ExpectedStep => ({
  family: 'mutual',
  method: 'masactrl',
  args: object ? { object, target } : { target },
});
const addPhrase = (target: string | ArgExpectation): ExpectedStep => ({ family: 'p2p', method: 'p2p.refine', args: { target } });
const addAt = (target: string | ArgExpectation, region: string): ExpectedStep => ({ family: 'mask', args: { target, region } });
const remove = (object: string): ExpectedStep => ({ family: 'mask', args: { object } });
const clearRegion = (region: string): ExpectedStep => ({ family: 'mask', args: { region } });
const moveTo = (object: string, region: string): ExpectedStep => ({ family: ['sae', 'mutual'], method: ['sae.move', 'masactrl'], args: { object, region } });
const moveDir = (object: string, direction: string): ExpectedStep => ({ family: ['sae', 'mutual'], method: ['sae.move', 'masactrl'], args: { object, direction } });
const style = (name: string | ArgExpectation): ExpectedStep => ({ family: 'feature', args: { style: name } });
const more = (token: string | ArgExpectation): ExpectedStep => ({ family: 'p2p', method: 'p2p.reweight', args: { token, weight: { gt: 1 } } });
const less = (token: string | ArgExpectation): ExpectedStep => ({ family: 'p2p', method: 'p2p.reweight', args: { token, weight: { lt: 1 } } });
const pose = (object: string, action: string | ArgExpectation): ExpectedStep => ({ family: 'mutual', method: 'masactrl', args: { object, action } });
const canvas = (ratio: ArgExpectation): ExpectedStep => ({ family: 'region', method: 'multidiffusion', args: { ratio } });
const regions = (spec: string): ExpectedStep => ({ family: 'region', args: { regions: spec } });
const variations = (args: Record<string, ArgExpectation> = {}): ExpectedStep => ({ family: 'noise', method: 'sdedit', args });
const scene = (target: string | ArgExpectation): ExpectedStep => ({ family: 'p2p', args: { target } });

const SNOW = { oneOf: ['snow', 'snowy'] };
const FOG = { oneOf: ['fog', 'foggy'] };
const plan = (...steps: ExpectedStep[]) => ({ steps });
const CLARIFY = { clarify: true } as const;
const c = (text: string, expect: LabelledCase['expect'], caption?: string, source?: 'generated' | 'uploaded'): LabelledCase => ({
  text,
  expect,
  ...(caption ? { caption } : {}),
  ...(source ? { source } : {}),
});

export const HELDOUT: LabelledCase[] = [
  // ---- swaps: synonyms, politeness, typos, pronouns ----
  c('could you please turn the cat into a leopard?', plan(swap('cat', 'leopard')), CAT),
  c('exchange the dog for a wolf', plan(swap('dog', 'wolf')), DOG),
  c('i want the horse to become a donkey', plan(swap('horse', 'donkey')), HORSE),
  c('can the car be a truck instead?', plan(swap('car', 'truck')), CAR),
  c('turn that cat into a panther', plan(swap('cat', 'panther')), CAT),
  c('make the catt a tiger', plan(swap('cat', 'tiger')), CAT),
  c('chnage the star into a diamond', plan(swap('star', 'diamond')), STAR),
  c('replace it with a heart', plan(swap('circle', 'heart')), CIRCLE),
  c("let's make the square a star", plan(swap('square', 'star')), SQUARE),
  c('convert the triangle into a cross', plan(swap('triangle', 'cross')), TRIANGLE),
  c('transform the heart into a ring', plan(swap('heart', 'ring')), HEART),
  c('swap dog for cat', plan(swap('dog', 'cat')), DOG),
  c('please replace the apples with oranges', plan(swap('apple', { includes: 'orange' })), BOWL),
  c('Make the man into an astronaut please', plan(swap('man', 'astronaut')), MAN),
  c('substitute a rabbit for the cat', plan(swap('cat', 'rabbit')), CAT),
  c('can you turn the umbrella into a parasol', plan(swap('umbrella', 'parasol')), WOMAN),
  c('what if the cat were a lion?', plan(swap('cat', 'lion')), CAT),

  // ---- colour: synonyms, colours outside the world's ten, typos ----
  c('recolor the star purple', plan(color('purple', 'red')), STAR),
  c('paint it crimson', plan(color('crimson', 'red')), STAR),
  c('make the circle navy blue', plan(color({ oneOf: ['navy blue', 'navy'] }, 'blue')), CIRCLE),
  c('could you make the heart magenta?', plan(color('magenta', 'yellow')), HEART),
  c('turn the square turquoise', plan(color('turquoise', 'green')), SQUARE),
  c('make it gold', plan(color('gold', 'purple')), TRIANGLE),
  c("i'd like the ring in lavender", plan(color('lavender', 'orange')), RING),
  c('change its colour to cyan', plan(color('cyan', 'blue')), CIRCLE),
  c('make the star light green', plan(color('light green', 'red')), STAR),
  c('the circle should be maroon', plan(color('maroon', 'blue')), CIRCLE),
  c('recolour the triangle to silver', plan(color('silver', 'purple')), TRIANGLE),
  c('make the car navy', plan(color('navy', 'red')), CAR),
  c('paint the sofa beige', plan(recolor('sofa', 'beige')), CAT),
  c('turn the horse white', plan(recolor('horse', 'white')), HORSE),
  c('make the hart pink', plan(color('pink', 'yellow')), HEART),
  c('make the circel yellow', plan(color('yellow', 'blue')), CIRCLE),
  c('it should be violet', plan(color('violet', 'green')), SQUARE),
  c('colour it in black', plan(color('black', 'yellow')), HEART),
  c('recolor the umbrella red', plan(recolor('umbrella', 'red')), WOMAN),
  c('make the square on the right red', plan(color('red', 'blue')), TWO),
  c('make the top left one green', plan(color('green', 'red')), TWO),
  c('make the triangle purple', CLARIFY, STAR),

  // ---- size ----
  c('enlarge it', plan(resize('medium')), CIRCLE),
  c('shrink it a little', plan(resize('medium')), STAR),
  c('could you make the heart a bit bigger', plan(resize('medium')), HEART),
  c('scale up the ring', plan(resize('medium')), RING),
  c('make the cat smaller', plan(resize('small', 'cat')), CAT),
  c('make the car huge', plan(resize('large', 'car')), CAR),
  c('reduce the size of the square', plan(resize('small')), SQUARE),
  c('increase the size of the circle', plan(resize('medium')), CIRCLE),
  c('shrnk the star', plan(resize('medium')), STAR),

  // ---- texture and material ----
  c('give it stripes', plan(texture('striped', 'flat')), SQUARE),
  c('make the ring stripy', plan(texture('striped', 'dotted')), RING),
  c('put dots on the heart', plan(texture('dotted', 'outlined')), HEART),
  c('remove the stripes', plan(texture('flat', 'striped')), STAR),
  c('make the chair metal', plan(texture({ includes: 'metal' })), TEDDY),
  c('make the sofa velvet', plan(texture('velvet')), CAT),

  // ---- adding ----
  c('could you add a butterfly in the top left?', plan(addAt('butterfly', 'top_left')), TREE),
  c('stick a hat on the dog', plan(addPhrase('hat')), DOG),
  c('include a boat', plan(addPhrase('boat')), LAKE),
  c('add some birds to the sky', plan(addAt({ includes: 'bird' }, 'top')), LAKE),
  c('give the man a beard', plan(addPhrase('beard')), MAN),
  c('add a little heart at the bottom right', plan(addAt({ includes: 'heart' }, 'bottom_right')), STAR),
  c('place a triangle in the middle', plan(addAt('triangle', 'center')), SQUARE),
  c("I'd like a dog sitting next to the woman", plan(addPhrase({ includes: 'dog' })), WOMAN),
  c('also add a lamp', plan(addPhrase('lamp')), CAT),
  c('add sunglasses to the dog', plan(addPhrase({ includes: 'sunglass' })), DOG),
  c('add a star on the left', plan(addAt('star', 'left')), CIRCLE),

  // ---- removing ----
  c('get rid of the dog', plan(remove('dog')), DOG),
  c('pls erase the star', plan(remove('star')), STAR),
  c('take away the umbrella', plan(remove('umbrella')), WOMAN),
  c('can you remove the hat from the woman?', plan(remove('hat')), WOMAN),
  c('eliminate the heart', plan(remove('heart')), HEART),
  c('rmove the circle', plan(remove('circle')), TWO),
  c('remove the red circle', plan(remove('circle')), TWO),
  c('delete everything in the bottom left', plan(clearRegion('bottom_left')), RING),
  c('wipe out the car', plan(remove('car')), CAR),
  c('get rid of it', plan(remove('heart')), HEART),
  c('remove the bowl', plan(remove('bowl')), BOWL),
  c('the hat needs to go', plan(remove('hat')), WOMAN),
  c('remove the giraffe', CLARIFY, DOG),

  // ---- moving: synonyms and relative moves ----
  c('shift the star to the right', plan(moveDir('star', 'right')), STAR),
  c('nudge the circle up', plan(moveDir('circle', 'up')), CIRCLE),
  c('move it a bit to the right', plan(moveDir('heart', 'right')), HEART),
  c('could you move the square to the top right corner', plan(moveTo('square', 'top_right')), SQUARE),
  c('put it in the bottom left', plan(moveTo('star', 'bottom_left')), STAR),
  c('move the triangle down a little', plan(moveDir('triangle', 'down')), TRIANGLE),
  c('push the heart to the left', plan(moveDir('heart', 'left')), HEART),
  c('reposition the star in the middle', plan(moveTo('star', 'center')), STAR),
  c('move the dog to the left side of the image', plan(moveTo('dog', 'left')), DOG),
  c('shift it downwards', plan(moveDir('circle', 'down')), CIRCLE),
  c('move teh star to the centre', plan(moveTo('star', 'center')), STAR),
  c('relocate the ring to the top', plan(moveTo('ring', 'top')), RING),
  c('move the blue square to the top left', plan(moveTo('square', 'top_left')), TWO),
  c('lower the circle', plan(moveDir('circle', 'down')), CIRCLE),
  c('raise the square', plan(moveDir('square', 'up')), SQUARE),
  c('is it possible to move the heart to the center?', plan(moveTo('heart', 'center')), HEART),

  // ---- global style ----
  c('paint it like van gogh', plan(style('van gogh')), CAT),
  c('turn it into pixel art', plan(style('pixel art')), STAR),
  c('oil painting', plan(style('oil painting')), HORSE),
  c('make it look like a watercolour', plan(style('watercolor')), TREE),
  c('can you do it in an anime style?', plan(style('anime')), DOG),
  c('as a pencil drawing', plan(style({ oneOf: ['pencil drawing', 'pencil sketch', 'pencil'] })), MAN),
  c('give it a cyberpunk look', plan(style('cyberpunk')), CAR),
  c('van gogh style', plan(style('van gogh')), LAKE),
  c('make it in the style of rembrandt', plan(style('rembrandt')), MAN),
  c('like a painting by salvador dali', plan(style({ includes: 'dali' })), LAKE),
  c('make it look like a mosaic', plan(style('mosaic')), HEART),
  c('turn the photo into a pencil sketch', plan({ family: 'feature', method: 'pnp', args: { style: 'pencil sketch' } }), CAT, 'uploaded'),
  c('in pixel-art style', plan(style('pixel art')), STAR),
  c('vaporwave aesthetic', plan(style('vaporwave')), CAR),

  // ---- strength ----
  c('a lot more snow', plan(more(SNOW)), MOUNTAIN),
  c('slightly less fog', plan(less(FOG)), FOREST),
  c('make the rain heavier', plan(more('rain')), WOMAN),
  c('not so much snow', plan(less(SNOW)), MOUNTAIN),
  c('way fewer apples', plan(less({ oneOf: ['apple', 'apples'] })), BOWL),
  c('intensify the sunset', plan(more('sunset')), MOUNTAIN),
  c('could you reduce the snow a bit', plan(less(SNOW)), MOUNTAIN),
  c('add more blossoms', plan(more({ oneOf: ['blossoming', 'blossom', 'blossoms'] })), TREE),
  c('dial down the fog', plan(less(FOG)), FOREST),
  c('make it less snowy', plan(less(SNOW)), MOUNTAIN),
  c('make it foggier', plan(more(FOG)), FOREST),

  // ---- canvas ----
  c('widen it', plan(canvas({ wide: true })), STAR),
  c('make the image taller please', plan(canvas({ tall: true })), TREE),
  c('extend the picture to the right', plan(canvas({ wide: true })), LAKE),
  c('convert to 4:3', plan(canvas('4:3')), LAKE),
  c('make it square', plan(canvas('1:1')), PEOPLE),
  c('turn it into a panorama', plan(canvas({ wide: true })), MOUNTAIN),
  c('portrait mode please', plan(canvas({ tall: true })), HORSE),
  c('expand the canvas upward', plan(canvas({ tall: true })), TREE),

  // ---- region prompts ----
  c('ocean on the left and a beach on the right', plan(regions('ocean@left,beach@right'))),
  c('snowy mountains at the top, a green meadow at the bottom', plan(regions('mountain@top,meadow@bottom'))),
  c('a moon in the top left, a lighthouse in the bottom right', plan(regions('moon@top_left,lighthouse@bottom_right'))),

  // ---- variations ----
  c('can I get a couple more versions?', plan(variations({ count: 2 })), STAR),
  c('give me four variations', plan(variations({ count: 4 })), CAT),
  c('regenerate', plan(variations()), CIRCLE),
  c('show me some alternatives', plan(variations()), HORSE),

  // ---- scene ----
  c('make it snowy', plan(scene({ includes: 'snow' })), HORSE),
  c('turn it into a winter scene', plan(scene({ includes: 'winter' })), LAKE),
  c('make it daytime', plan(scene({ includes: 'day' })), FOREST),

  // ---- pose and action ----
  c('could you make the dog lie down?', plan(pose('dog', 'lie down')), DOG),
  c('have the horse jump', plan(pose('horse', 'jump')), HORSE),
  c('make him sit', plan(pose('man', 'sit')), MAN),
  c('make the cat stretch', plan(pose('cat', 'stretch')), CAT),
  c('get the dog to roll over', plan(pose('dog', { includes: 'roll' })), DOG),

  // ---- several steps ----
  c('make it blue, then move it to the right', plan(color('blue', 'red'), moveDir('star', 'right')), STAR),
  c('make the square red and also shrink it', plan(color('red', 'green'), resize('small')), SQUARE),
  c('recolor the heart green, nudge it up, then make it dotted', plan(color('green', 'yellow'), moveDir('heart', 'up'), texture('dotted', 'outlined')), HEART),
  c('turn the cat into a tiger then make it pixel art', plan(swap('cat', 'tiger'), style('pixel art')), CAT),
  c('get rid of the hat and then add a crown', plan(remove('hat'), addPhrase('crown')), WOMAN),
  c('make it wider, then add a tree on the right', plan(canvas({ wide: true }), addAt('tree', 'right')), HORSE),
  c('less fog, more snow', plan(less(FOG), more(SNOW)), 'a snowy forest with fog at dawn'),
  c('make the circle yellow and move it to the bottom', plan(color('yellow', 'blue'), moveTo('circle', 'bottom')), CIRCLE),
  c('replace the cat with a fox and move it to the right', plan(swap('cat', 'fox'), moveDir('fox', 'right')), CAT),

  // ---- negations ----
  c("don't change the background, just make the circle red", plan(color('red', 'blue')), CIRCLE),
  c('keep the background but make the star green', plan(color('green', 'red')), STAR),
  c("don't move it, just make it bigger", plan(resize('medium')), CIRCLE),
  c('leave the cat alone and make the sofa blue', plan(recolor('sofa', 'blue')), CAT),
  c("don't make it red", CLARIFY, STAR),

  // ---- questions ----
  c('can you make the star blue?', plan(color('blue', 'red')), STAR),
  c('would it be possible to remove the dog?', plan(remove('dog')), DOG),

  // ---- chatter and unsupported ----
  c('nice picture!', CLARIFY, CAT),
  c('how are you today?', CLARIFY),
  c('thank you so much', CLARIFY, STAR),
  c('who made you?', CLARIFY),
  c('that looks great', CLARIFY, STAR),
  c('good morning', CLARIFY),
  c('what is this?', CLARIFY, CAT),
  c('I love cats', CLARIFY, CAT),
  c('ok', CLARIFY, STAR),
  c('tell me a joke', CLARIFY),
  c('flip it horizontally', CLARIFY, CAT),
  c('make it pop', CLARIFY, CAT),
];
