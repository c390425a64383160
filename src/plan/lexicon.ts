// The words the instruction grammar knows. Grouped by what they mean to an edit, not by part of
// speech; everything lowercase, American spelling (the normaliser folds British spellings in).

const set = (words: string) => new Set(words.trim().split(/\s*,\s*/));

/** The procedural world's ten colours first, then the common rest. */
export const COLORS = set(`
  red, orange, yellow, green, blue, purple, pink, brown, black, white, gray, cyan, magenta, teal,
  violet, gold, silver, beige, navy, turquoise, lime, maroon, crimson, indigo, lavender, olive, tan,
  cream, ivory, coral, aqua, mint, peach, salmon, scarlet, amber, emerald, rainbow, multicolored,
  golden, blond, blonde
`);
/** Words that shade a colour ("dark blue"). */
export const COLOR_SHADES = set('light, dark, bright, pale, deep, neon, pastel, hot, sky, baby, royal, forest');

export const SIZES = ['small', 'medium', 'large'] as const;
export type Size = (typeof SIZES)[number];
export const SIZE_WORDS: Record<string, Size> = {
  small: 'small', tiny: 'small', little: 'small', smaller: 'small', tinier: 'small', mini: 'small',
  medium: 'medium', 'medium-sized': 'medium', normal: 'medium', average: 'medium',
  large: 'large', big: 'large', bigger: 'large', larger: 'large', huge: 'large', giant: 'large',
  enormous: 'large', massive: 'large', gigantic: 'large',
};

/** The procedural styles of a shape and other surface patterns. */
export const TEXTURES: Record<string, string> = {
  flat: 'flat', solid: 'flat',
  striped: 'striped', stripes: 'striped', stripy: 'striped', stripe: 'striped', 'pin-striped': 'striped',
  dotted: 'dotted', dots: 'dotted', 'polka dot': 'dotted', 'polka dots': 'dotted', dot: 'dotted', 'polka-dot': 'dotted', 'polka-dotted': 'dotted', spotted: 'spotted', spots: 'spotted', spotty: 'spotted', dotty: 'dotted',
  outlined: 'outlined', outline: 'outlined', hollow: 'outlined', 'outline-only': 'outlined',
  checkered: 'checkered', checked: 'checkered', plaid: 'plaid', zigzag: 'zigzag', wavy: 'wavy',
  gradient: 'gradient', speckled: 'speckled', marbled: 'marbled',
};

export const MATERIALS: Record<string, string> = {
  wooden: 'wooden', wood: 'wooden', metal: 'metal', metallic: 'metallic', glass: 'glass', marble: 'marble',
  stone: 'stone', leather: 'leather', velvet: 'velvet', plastic: 'plastic', furry: 'furry', fluffy: 'fluffy',
  shiny: 'shiny', matte: 'matte', glossy: 'glossy', rusty: 'rusty', icy: 'icy', ice: 'icy', crystal: 'crystal',
  paper: 'paper', fabric: 'fabric', woolen: 'woolen', wool: 'woolen', knitted: 'knitted', chrome: 'chrome',
  bronze: 'bronze', copper: 'copper', brick: 'brick', concrete: 'concrete', silk: 'silk', denim: 'denim',
  steel: 'steel', transparent: 'transparent', translucent: 'translucent',
  rubber: 'rubber', clay: 'clay', porcelain: 'porcelain', ceramic: 'ceramic', hairy: 'hairy', fuzzy: 'fuzzy',
};

/** The procedural backgrounds, then common scenes. */
export const BACKGROUNDS = set(`
  plain, sky, grass, night, sand, beach, forest, desert, city, ocean, sea, space, snow, mountains,
  field, meadow, room, studio, water, underwater, jungle, street, park, garden, lake, river, sunset,
  clouds, stars, moon, white background, black background, kitchen, office, countryside, cave, castle
`);

/** Nouns of the procedural world's shapes. */
export const SHAPES = set(`
  circle, square, triangle, star, heart, ring, cross, diamond, hexagon, pentagon, rectangle, oval,
  crescent, arrow, ellipse, spiral, octagon, shape, blob
`);

/** Common nouns, so that misspellings of them can be corrected and they count as objects. */
export const COMMON_NOUNS = set(`
  cat, dog, tiger, lion, horse, bird, car, tree, house, man, woman, person, boy, girl, child, kid, baby,
  sofa, couch, chair, table, hat, flower, apple, ball, bike, bicycle, boat, cake, cup, fish, fox, wolf,
  bear, rabbit, bunny, mouse, cow, sheep, duck, elephant, giraffe, zebra, monkey, panda, owl, eagle,
  butterfly, sun, cloud, mountain, building, window, door, book, lamp, clock, phone, guitar, pizza,
  banana, bottle, glass, vase, pot, plant, bowl, bed, pillow, puppy, kitten, frog, snake, turtle, shark,
  whale, dolphin, penguin, parrot, chicken, pig, goat, deer, squirrel, hamster, dragon, unicorn, robot,
  astronaut, knight, wizard, pirate, ninja, king, queen, princess, cowboy, soldier, doctor, chef,
  umbrella, bag, backpack, shoe, shoes, shirt, dress, jacket, coat, scarf, glasses, sunglasses, crown,
  helmet, tie, bowtie, necklace, watch, balloon, kite, candle, lantern, sign, fence, bridge, tower,
  train, bus, truck, plane, airplane, rocket, ship, motorcycle, skateboard, surfboard, computer, laptop,
  television, tv, camera, pumpkin, cookie, donut, burger, sandwich, coffee, tea, wine, beer,
  lemon, strawberry, cherry, grape, carrot, tomato, mushroom, leaf, leaves, rock, stone, wave, boulder,
  moon, snowman, teddy, toy, doll, statue, fountain, bench, painting, picture, mirror, rug, carpet,
  blanket, basket, box, letter, horn, wing, wings, tail, eyes, mouth, hair, beard, mustache, face, hand,
  hands, arm, arms, leg, legs, head, paw, paws, ears, nose, collar, leash, fire, smoke, rain, lightning,
  flag, road, path, wheel, sword, shield, bow, flowers, roses, rose,
  tulip, sunflower, daisy, cactus, palm, oak, pine, bush, hedge, dinosaur, spider, bee, ant, ladybug,
  snail, crab, octopus, jellyfish, seal, otter, koala, kangaroo, camel, donkey, mule, pony, llama,
  alpaca, hedgehog, raccoon, lizard, crocodile, alligator, hippo, rhino, gorilla, cheetah, leopard,
  jaguar, puma, cougar, lamb, calf, tomcat
`);

/** General words people use for what a caption names more precisely ("the dog" for a retriever). */
export const KINDS: Record<string, string[]> = {
  dog: ['puppy', 'retriever', 'labrador', 'poodle', 'husky', 'terrier', 'corgi', 'beagle', 'bulldog', 'shepherd', 'dachshund', 'pug', 'collie', 'spaniel', 'chihuahua', 'doggo', 'pup', 'hound', 'dalmatian', 'greyhound', 'rottweiler', 'doberman', 'shiba'],
  cat: ['kitten', 'kitty', 'tabby', 'tomcat', 'siamese', 'persian', 'kitteh', 'feline'],
  person: ['man', 'woman', 'boy', 'girl', 'child', 'kid', 'guy', 'lady', 'gentleman', 'people', 'human', 'baby', 'person', 'teenager', 'astronaut', 'knight', 'chef', 'doctor', 'soldier', 'cowboy', 'king', 'queen', 'princess', 'wizard', 'pirate', 'ninja', 'dancer', 'player', 'student', 'worker', 'farmer'],
  man: ['guy', 'gentleman', 'boy', 'dude', 'him', 'he'],
  woman: ['lady', 'girl', 'her', 'she'],
  bird: ['parrot', 'owl', 'eagle', 'duck', 'penguin', 'chicken', 'pigeon', 'sparrow', 'crow', 'seagull', 'swan', 'hen', 'robin', 'hummingbird', 'flamingo'],
  car: ['sedan', 'suv', 'truck', 'vehicle', 'automobile', 'taxi', 'jeep', 'van', 'convertible', 'sportscar'],
  vehicle: ['car', 'truck', 'bus', 'bike', 'bicycle', 'motorcycle', 'van', 'train'],
  flower: ['rose', 'tulip', 'daisy', 'sunflower', 'lily', 'orchid', 'blossom', 'bloom'],
  tree: ['oak', 'pine', 'palm', 'birch', 'maple', 'willow', 'fir'],
  horse: ['pony', 'stallion', 'mare', 'foal'],
  sofa: ['couch', 'settee'],
  couch: ['sofa'],
  bicycle: ['bike', 'cycle'],
  bike: ['bicycle', 'motorbike'],
  building: ['house', 'tower', 'skyscraper', 'buildings'],
  boat: ['ship', 'yacht', 'sailboat', 'canoe', 'kayak'],
  animal: ['dog', 'cat', 'horse', 'cow', 'bird', 'fish', 'tiger', 'lion', 'bear', 'rabbit', 'fox', 'wolf', 'deer', 'sheep', 'goat', 'pig', 'elephant', 'giraffe', 'zebra', 'monkey', 'panda', 'puppy', 'kitten'],
  shape: ['circle', 'square', 'triangle', 'star', 'heart', 'ring', 'cross', 'diamond', 'hexagon', 'pentagon', 'rectangle', 'oval', 'crescent', 'arrow'],
  object: ['circle', 'square', 'triangle', 'star', 'heart', 'ring', 'cross', 'diamond'],
  thing: ['circle', 'square', 'triangle', 'star', 'heart', 'ring', 'cross', 'diamond'],
};

/** Parts of a subject: "a hat on its head" refers to the subject even if the caption never says head. */
export const BODY_PARTS = new Set([
  'head', 'face', 'mouth', 'eye', 'eyes', 'ear', 'ears', 'nose', 'hand', 'hands', 'arm', 'arms', 'leg',
  'legs', 'paw', 'paws', 'tail', 'neck', 'back', 'shoulder', 'shoulders', 'foot', 'feet', 'hair', 'wing',
  'wings', 'body', 'lap', 'chest', 'collar', 'fur', 'nose', 'cheek', 'cheeks', 'lip', 'lips', 'teeth',
  'horn', 'horns', 'beak', 'claw', 'claws', 'wrist', 'finger', 'fingers',
]);

/** Global looks: a whole-image style change. */
export const STYLES = set(`
  watercolor, oil painting, pixel art, sketch, pencil sketch, pencil drawing, drawing, charcoal, anime,
  manga, cartoon, comic, comic book, van gogh, monet, picasso, rembrandt, da vinci, warhol, dali,
  hokusai, klimt, impressionist, impressionism, expressionist, cubist, cubism, pop art, art deco,
  art nouveau, cyberpunk, steampunk, vaporwave, synthwave, low poly, 3d render, claymation, origami,
  mosaic, stained glass, ukiyo-e, pastel, noir, film noir, black and white, monochrome, grayscale,
  sepia, vintage, retro, photorealistic, realistic, photograph, photo, cinematic, lego, minecraft,
  studio ghibli, ghibli, pixar, disney, pointillism, ink, ink drawing, woodcut, linocut, engraving,
  embroidery, graffiti, chalk, crayon, vector, vector art, flat illustration, isometric, baroque,
  renaissance, gothic, surreal, surrealist, abstract, psychedelic, glitch, polaroid, digital art,
  concept art, fantasy, oil, acrylic, gouache, painting, illustration, line art, neon, blueprint,
  storybook, children's book, paper cut, papercut, cel shaded, cel-shaded, 8-bit, 16-bit, tarot, poster,
  minimalist, minimalism, sci-fi, dreamy, ethereal, gothic art, chibi, kawaii, marble statue,
  sculpture, bronze statue, tapestry, fresco, mural, etching, silhouette, cross-stitch, felt, knitted art,
  clay, plasticine, doodle, blocky, voxel, hand-drawn, hand drawn, noir film, infrared, thermal,
  x-ray, negative, inverted colors, dramatic lighting, golden hour, moody, hdr, bokeh, tilt-shift,
  lomo, 1980s, 80s, 90s, 1920s, medieval, ancient egyptian, japanese, chinese ink, art
`);

/** Verbs that are instructions rather than an action the subject performs. */
export const EDIT_VERBS = set(`
  make, turn, change, replace, swap, switch, transform, convert, remove, delete, erase, add, put,
  place, insert, move, shift, drag, slide, push, nudge, paint, color, recolor, dye, tint, shade, draw, give,
  render, show, generate, create, redo, reroll, try, keep, let, have, get, set, bring, take, increase,
  decrease, reduce, boost, amplify, intensify, weaken, strengthen, lower, raise_level, extend, expand,
  widen, stretch, shrink, enlarge, grow, scale, resize, crop, rotate, flip, mirror, blur, sharpen,
  upscale, fix, restyle, style, apply, use, want, need, would, could, can, please, do, be, is, are,
  should, emphasize, accentuate, highlight, diminish, tone, fill, cover, explore, vary, include, clear,
  eliminate, drop, lose, hide, relocate, reposition, center, outpaint, zoom, pan, depict
`);

/** Actions and poses a subject can take (MasaCtrl's non-rigid edits). Multi-word first. */
export const ACTIONS = [
  'lie down', 'lying down', 'laying down', 'sit down', 'stand up', 'jump up', 'turn around',
  'look up', 'look down', 'look back', 'look left', 'look right', 'raise its paw', 'raise its hand',
  'raise his hand', 'raise her hand', 'raise their hand', 'raise a paw', 'raise a hand', 'raise its arms',
  'raise his arms', 'raise her arms', 'wave', 'waving', 'sit', 'sitting', 'stand', 'standing', 'jump',
  'jumping', 'run', 'running', 'walk', 'walking', 'sleep', 'sleeping', 'lie', 'lying', 'fly', 'flying',
  'dance', 'dancing', 'swim', 'swimming', 'kneel', 'kneeling', 'crouch', 'crouching', 'stretch',
  'stretching', 'smile', 'smiling', 'laugh', 'laughing', 'cry', 'crying', 'yawn', 'yawning', 'roar',
  'roaring', 'bark', 'barking', 'eat', 'eating', 'drink', 'drinking', 'read', 'reading', 'sing', 'singing',
  'point', 'pointing', 'climb', 'climbing', 'hug', 'hugging', 'play', 'playing', 'spin', 'lean', 'leaning',
  'bow', 'bowing', 'crawl', 'crawling', 'fight', 'fighting', 'kick', 'kicking', 'clap', 'clapping',
  'shout', 'shouting', 'scream', 'screaming', 'rest', 'resting', 'pose', 'posing', 'wink', 'winking',
  'frown', 'frowning', 'pounce', 'pouncing', 'gallop', 'galloping', 'rear up', 'rearing', 'hop', 'hopping',
  'skip', 'skipping', 'meditate', 'meditating', 'pray', 'praying', 'salute', 'saluting', 'squat',
  'squatting', 'curl up', 'curled up', 'beg', 'begging', 'howl', 'howling', 'stretch out', 'open its mouth',
  'close its eyes', 'open its wings', 'spread its wings', 'flap its wings', 'turn its head', 'turn left',
  'turn right', 'face left', 'face right', 'face the camera', 'look at the camera', 'hold a ball',
  'sprint', 'sprinting', 'jog', 'jogging', 'fall', 'falling', 'kneel down', 'bend', 'bending', 'lay down',
  'lay', 'laying', 'perch', 'perching', 'sniff', 'sniffing', 'lick', 'licking', 'stare', 'staring',
];

/** Strength adverbs. `slight` and `strong` scale an edit down or up. */
export const SLIGHT_WORDS = [
  'a little bit', 'a tiny bit', 'a little', 'a bit', 'a tad', 'a touch', 'just a bit', 'slightly',
  'somewhat', 'a smidge', 'kinda', 'kind of', 'sort of', 'subtly', 'subtle', 'gently', 'mildly', 'barely',
  'marginally', 'a hint', 'bit', 'lil', 'a lil', 'little',
];
export const STRONG_WORDS = [
  'a whole lot', 'a lot', 'lots', 'much', 'way', 'waaay', 'waay', 'far', 'very', 'really', 'super',
  'extremely', 'tons', 'heavily', 'strongly', 'significantly', 'dramatically', 'a ton', 'massively',
  'hugely', 'greatly', 'drastically', 'considerably', 'so much', 'even', 'totally', 'extra', 'a great deal',
  'substantially', 'seriously', 'mega',
];

export const MORE_WORDS = set('more, increase, boost, amplify, intensify, emphasize, strengthen, enhance, heighten, accentuate, extra, add more, pump up, crank up, turn up, bump up, maximize, exaggerate');
export const LESS_WORDS = set('less, fewer, decrease, reduce, weaken, diminish, lessen, tone down, turn down, dial down, lower, minimize, soften, cut back on, cut down on, dampen, fade, mute, subdue');

/** British and common variant spellings folded before parsing. */
export const SPELLING_VARIANTS: Record<string, string> = {
  colour: 'color', colours: 'colors', coloured: 'colored', colouring: 'coloring', recolour: 'recolor',
  grey: 'gray', greyish: 'grayish', watercolour: 'watercolor', watercolours: 'watercolors', centre: 'center',
  centred: 'centered', metre: 'meter', favourite: 'favorite', emphasise: 'emphasize', realise: 'realize',
  stylise: 'stylize', stylised: 'stylized', woollen: 'woolen', jewellery: 'jewelry',
  organise: 'organize', theatre: 'theater', defence: 'defense', chequered: 'checkered', pls: 'please',
  plz: 'please', u: 'you', ur: 'your', abit: 'a bit', alot: 'a lot', lil: 'little', w: 'with',
  thru: 'through', 'top-left': 'top left', 'top-right': 'top right', 'bottom-left': 'bottom left',
  'bottom-right': 'bottom right', 'upper-left': 'upper left', 'upper-right': 'upper right',
  'lower-left': 'lower left', 'lower-right': 'lower right', topleft: 'top left', topright: 'top right',
  bottomleft: 'bottom left', bottomright: 'bottom right', 'left-hand': 'left', 'right-hand': 'right',
  'black-and-white': 'black and white', 'b&w': 'black and white', 'bw': 'black and white',
  'pixelart': 'pixel art', 'pixelated': 'pixel art', 'polka-dots': 'polka-dot', 'polkadot': 'polka-dot',
  'polkadots': 'polka-dot', 'gonna': 'going to', 'wanna': 'want to', 'gimme': 'give me', 'lemme': 'let me',
  'aswell': 'as well', 'dont': "don't", 'cant': "can't", 'ok': 'okay',
  'tshirt': 't-shirt', '&': 'and', '+': 'and', 'n': 'and', 'thx': '', 'thanks': '',
  'thank': '', 'ty': '', teh: 'the', hte: 'the', th: 'the', adn: 'and', nad: 'and', ot: 'to', tot: 'to',
  ti: 'it', iit: 'it', mak: 'make', amke: 'make', mkae: 'make', maek: 'make', mke: 'make', wiht: 'with',
  whit: 'with', ad: 'add', les: 'less', mor: 'more', moar: 'more', rm: 'remove', rmv: 'remove', pic: 'picture', img: 'image', bg: 'background',
};

/**
 * Words worth correcting a misspelling toward. `core` is the instruction's skeleton (verbs, colours,
 * places, amounts), safe to correct toward from short words; `nouns` are corrected toward only from
 * longer words, since "cape" is not a misspelt "cake".
 */
export function correctionVocabulary(): { core: string[]; nouns: string[] } {
  const words = new Set<string>();
  const nouns = new Set<string>();
  const add = (w: string) => {
    for (const part of w.split(' ')) if (part.length >= 3 && /^[a-z]+$/.test(part)) words.add(part);
  };
  const addNoun = (w: string) => {
    for (const part of w.split(' ')) if (part.length >= 3 && /^[a-z]+$/.test(part)) nouns.add(part);
  };
  [...SHAPES, ...COMMON_NOUNS, ...BACKGROUNDS, ...STYLES, ...ACTIONS].forEach(addNoun);
  [...COLORS, ...EDIT_VERBS].forEach(add);
  Object.keys(SIZE_WORDS).forEach(add);
  Object.keys(TEXTURES).forEach(add);
  Object.keys(MATERIALS).forEach(add);
  [...MORE_WORDS, ...LESS_WORDS, ...SLIGHT_WORDS, ...STRONG_WORDS].forEach(add);
  `left, right, top, bottom, upper, lower, middle, center, corner, side, above, below, under, over, behind,
   into, instead, variations, variation, versions, version, options, alternatives, wider, taller, panorama,
   landscape, portrait, background, foreground, style, look, like, please, remove, another, different,
   similar, snowy, snow, rainy, sunny, foggy, cloudy, stormy, autumn, winter, summer, spring, sunset,
   sunrise, night, daytime, evening, morning, replace, with, bigger, smaller, larger, shrink, color,
   horizontal, vertical, widescreen, ratio, aspect, square, extend, expand, rid, without, everything,
   somewhere, slightly, little, much, more, less, fewer, variants, remix, reroll, instead, upwards,
   downwards, leftwards, rightwards, leftward, rightward, direction, position, location, place, toward,
   towards, sitting, standing, jumping, running, width, height, size, length, scale, shape, color, detail,
   details, version, image, picture, photo, scene, subject, object, thing, things, there, their, these,
   those, where, which, while, would, could, should, about, after, again, also, just, into, only, over,
   some, than, that, them, then, they, this, very, what, when, with, your, whole, half, front, back,
   side, edge, corner, middle, frame, canvas, border, ratio, aspect, format, orientation, double, triple,
   mode, more, look, view, want, like, need, halve, twice, times`
    .split(',')
    .forEach((w) => add(w.trim()));
  return { core: [...words], nouns: [...nouns].filter((n) => !words.has(n)) };
}
