// The grammar of one clause ("make the cat a tiger", "move it up a bit") → intents. Each edit type has
// its module under clauses/; this dispatcher strips politeness and strength words and asks them in
// turn, most specific first. compromise tags the words our lexicon doesn't know (is "pounce" a verb?
// is "ferret" a noun?) and lemmatises them.
import type { Amount, Intent } from './intents.ts';
import { parseUnsupported } from './clauses/unsupported.ts';
import { parseVariations } from './clauses/variations.ts';
import { parseCanvas } from './clauses/canvas.ts';
import { parseRemove } from './clauses/remove.ts';
import { parseReweight } from './clauses/strength.ts';
import { parseMove } from './clauses/move.ts';
import { parseExplicitStyle } from './clauses/style.ts';
import { parseChange } from './clauses/change.ts';
import { parseAdd } from './clauses/add.ts';
import { parsePose } from './clauses/pose.ts';
import { parseBare } from './clauses/bare.ts';
import { STRENGTH_RE } from './clauses/words.ts';

// --- one clause ----------------------------------------------------------------------------

const POLITE_PREFIX =
  /^(?:nah|nope|yeah|yep|hmm+|well|wait|oops|sorry|please|pls|kindly|can you|could you|would you|will you|can u|could u|would u|would you mind|i want you to|i'd like you to|i would like you to|i need you to|i'd like to|i would like to|i want to|let's|lets|let us|go ahead and|try to|try and|just|now|ok|okay|hey|hi|hello|so|um|uh|and|then|maybe|perhaps|bot|retouch|yo|actually|oh|also|alright|cool|great|nice|next|first|second|lastly|finally|could we|can we|we should|you should|i'd love it if you|i'd love to|help me|you could|pretty please|oh and|do|also please|hmm|i'd like|i would like|i want you to make)\b[\s,:]*/;
const POLITE_SUFFIX =
  /(?:^|[\s,]+)(?:please|pls|thanks|thank you|for me|now|if possible|if you can|if you could|instead|too|as well|ok|okay|thx|lol|haha|:\)|mate|bro|real quick|quickly|more or less|though|already)$/;

export function stripPolite(clause: string): string {
  let c = asRequest(clause.trim().replace(/^[,:\s-]+|[,:\s-]+$/g, ''));
  for (let i = 0; i < 6; i++) {
    const next = c.replace(POLITE_PREFIX, '').replace(POLITE_SUFFIX, '').trim();
    if (next === c) break;
    c = next;
  }
  return c;
}

/** A question that asks for a change, as the request it is: "what would this look like at night" → "make it at night". */
function asRequest(clause: string): string {
  return clause
    .replace(/^(?:what|how) (?:would|will|could|does|might) (?:this|it|that|the (?:picture|image)) look (?:like )?(.+?)\??$/, (_m, how: string) => (/^(?:on|against) /.test(how) ? `put it ${how}` : `make it ${how}`))
    .replace(/^what if (it|this|that|the \w+) (?:was|were|is|became) (.+?)\??$/, (_m, what: string, value: string) => `make ${/^(?:this|that)$/.test(what) ? 'it' : what} ${value}`)
    .replace(/^(?:now|next|and now|ok now|okay now|now just)\s+/, '')
    .replace(/\s+instead$/, '');
}

function takeAmount(clause: string): { amount: Amount; rest: string } {
  let amount: Amount = 'normal';
  const rest = clause
    .replace(STRENGTH_RE, (_m, slight: string | undefined, strong: string | undefined) => {
      if (slight) amount = 'slight';
      else if (strong && amount !== 'slight') amount = 'strong';
      return ' ';
    })
    .replace(/\s+/g, ' ')
    .trim();
  return { amount, rest };
}

/** "twice", "three times", "2x": a size said as a multiple. */
const MULTIPLE = 'twice|double|triple|two times|three times|four times|ten times|[2-9] times|[2-9]x';

/**
 * Request frames around an edit, rewritten to the plain imperative the edit modules read: questions
 * ("is it possible to …", "what if the cat were a lion"), inverted verbs ("substitute a rabbit for the
 * cat"), negated amounts ("not so much snow") and size nouns ("increase the size of the circle").
 */
export function canonicalClause(clause: string): string {
  return clause
    .replace(/^(?:is it possible to|would it be possible to|is there a way to|do you think you could|could i ask you to|can i ask you to|how about you|why don't you|why not|would you be able to|are you able to|you could)\s+/, '')
    .replace(/^(?:what if|how about if|imagine if|suppose|what about if)\s+(.+?)\s+(?:were|was|became|turned into)\s+(.+)$/, '$1 should be $2')
    .replace(/^(?:how about|what about)\s+(?:making|turning)\s+(.+)$/, 'make $1')
    .replace(/^substitute\s+(.+?)\s+for\s+(.+)$/, 'replace $2 with $1')
    .replace(/^(?:swap|switch|trade|change)\s+(.+?)\s+out\s+(?:for|with)\s+(.+)$/, 'replace $1 with $2')
    .replace(/^(?:make|turn)\s+(?!(?:it|this|that|everything|the (?:image|picture|photo|scene|whole thing))\b)(.+?)\s+look\s+like\s+((?:a|an)\s+[a-z]+)$/, '$1 should be $2')
    .replace(/\ball the way\s+(?=to|up|down|left|right|over)/g, '')
    .replace(/^(?:i want|i'd like|i would like|let|have|get)\s+(.+?)\s+to\s+(?:become|turn into|change into|transform into)\s+(.+)$/, '$1 should become $2')
    .replace(/\b(?:not so|not as|not that|too|way too|far too)\s+(?:much|many)\b/g, 'less')
    .replace(/^(?:increase|enlarge|grow|expand|boost|raise|bump up)\s+(?:the\s+)?(?:size|scale)\s+of\s+(.+)$/, 'make $1 bigger')
    .replace(/^(?:double|triple|quadruple)\s+(?:the\s+)?(?:size|scale)\s+of\s+(.+)$/, 'make $1 much bigger')
    .replace(/^(?:halve)\s+(?:the\s+)?(?:size|scale)\s+of\s+(.+)$/, 'make $1 much smaller')
    .replace(new RegExp(`^(?:make|scale|resize|draw)\\s+(.+?)\\s+(?:${MULTIPLE})\\s+(?:as\\s+)?(?:big|large|huge|tall|wide)(?:\\s+as\\s+(?:before|it is|now|that))?$`), 'make $1 much bigger')
    .replace(new RegExp(`^(?:make|scale|resize|draw)\\s+(.+?)\\s+(?:${MULTIPLE})\\s+(?:bigger|larger)$`), 'make $1 much bigger')
    .replace(new RegExp(`^(?:make|scale|resize|draw)\\s+(.+?)\\s+(?:${MULTIPLE}|[0-9]+x)\\s+(?:smaller|tinier)$`), 'make $1 much smaller')
    .replace(/^(?:make|scale|resize|draw)\s+(.+?)\s+(?:twice|double|triple|two times|three times)\s+(?:the|its|their)\s+(?:current\s+)?(?:size|scale)$/, 'make $1 much bigger')
    .replace(/^(?:make|scale|resize|draw|shrink)\s+(.+?)\s+(?:to\s+)?(?:half|a third|one third|a quarter|one quarter)\s+(?:(?:of\s+)?(?:the|its|their)\s+(?:current\s+|original\s+)?(?:size|scale)|as\s+(?:big|large|tall|wide))$/, 'make $1 much smaller')
    .replace(/^(?:reduce|decrease|shrink|lower|cut|lessen)\s+(?:the\s+)?(?:size|scale)\s+of\s+(.+)$/, 'make $1 smaller')
    // "scale it down", "scale the ring up": the particle after the object.
    .replace(/^scale\s+(.+?)\s+(down|up)$/, (_m, what: string, way: string) => `scale ${way} ${what}`)
    .trim();
}

/**
 * A clause that only says what to leave alone ("don't change the background", "keep the cat as is",
 * "leave the sky alone"): no edit of its own, and nothing the reader failed to understand.
 */
export function isConstraint(rawClause: string): boolean {
  const c = stripPolite(rawClause.replace(/\s+/g, ' ').trim());
  return (
    /^(?:but\s+)?(?:don't|do not|dont|never|no need to|try not to|make sure not to|without)\s+(?:change|changing|touch|touching|alter|altering|modify|modifying|edit|editing|move|moving|mess with|affect|affecting|make|turn|recolor|resize|ruin|break)\b/.test(c) ||
    /^(?:keep|leave|preserve|retain|maintain)\s+(?:the\s+|it|its|everything|the rest)/.test(c) ||
    /^(?:the\s+)?(?:rest|everything else|.+?)\s+(?:stays?|remains?|should stay|should remain|can stay)\s+(?:the same|as is|as it is|unchanged|untouched|put|where it is)$/.test(c)
  );
}

/** "make it pop", "make the star stand out", "make it look better": a wish with no change named. */
function parseVague(c: string): Intent[] | undefined {
  const match = /^(?:make|let|have|can you make|could you make)?\s*(?:(?:it|this|that|the (?:picture|image|scene))|the ([a-z]+))?\s*(?:pop|pop out|pop more|stand out|stand out more|look (?:better|nicer|prettier|cooler|more interesting|more striking|more vivid)|better|nicer|prettier|cooler|more interesting|more striking|more eye-catching)$/.exec(c)
    ?? /^(?:improve|enhance|beautify|spice up|jazz up)\s*(?:(?:it|this|that|the (?:picture|image|scene))|the ([a-z]+))?(?:\s+up)?$/.exec(c);
  if (!match) return undefined;
  const object = match[1];
  return [{ kind: 'vague', ...(object ? { object } : {}) }];
}

export function parseClause(rawClause: string): Intent[] {
  const clause = stripPolite(canonicalClause(stripPolite(rawClause.replace(/\s+/g, ' ').trim())));
  if (!clause) return [];
  const { amount, rest } = takeAmount(clause);
  const c = rest;
  const parsers: Array<(c: string, amount: Amount, full: string) => Intent[] | undefined> = [
    parseVague,
    parseUnsupported,
    (c, amount) => parseVariations(c, amount, parseClause),
    parseCanvas,
    parseRemove,
    parseReweight,
    parseMove,
    parseExplicitStyle,
    parseChange,
    parseAdd,
    parsePose,
    parseBare,
  ];
  for (const parser of parsers) {
    const result = parser(c, amount, clause);
    if (result && result.length > 0) return result;
  }
  return [];
}
