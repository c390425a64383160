// Instructions → ordered intents: split into clauses ("make it blue and move it left"), let a piece
// that means nothing alone borrow the previous clause's verb ("remove the cat and the dog"), resolve
// "it" to what the clause before was about, and join "X on the left, Y on the right" pieces into one
// region-prompt intent.
import { isConstraint, parseClause, stripPolite } from './clause.ts';
import type { Intent } from './intents.ts';

export interface ParsedInstruction {
  intents: Intent[];
  /** Clauses nothing could be made of. */
  unparsed: string[];
}

interface Context {
  clause: string;
  intents: Intent[];
}

const PROTECTED = ['black and white', 'salt and pepper', 'rock and roll', 'sky and sea', 'pen and ink', 'up and down', 'left and right'];

/** Splits an instruction into clauses and reads each; see `ParsedInstruction`. */
export function parseInstruction(text: string): ParsedInstruction {
  let protectedText = text.replace(/^instead of ([^,]+),\s*(.+)$/, '$2 instead of $1');
  for (const phrase of PROTECTED) protectedText = protectedText.replaceAll(phrase, phrase.replaceAll(' ', '_'));
  const sentences = protectedText
    .split(/\s*(?:[;.!?]|\bthen\b|\band then\b|\bafter that\b|\bafterwards\b|\bfinally\b|\band also\b|\balso\b|\bplus\b|\bas well as\b|\bas well\b)\s*/)
    .map((s) => s.trim().replace(/^(?:and|but|so|,)\s+|\s+(?:and|but|so)$|,$/g, '').trim())
    .filter((s) => s && s !== ',' && s !== 'and');
  const intents: Intent[] = [];
  const unparsed: string[] = [];
  let previous: { clause: string; intents: Intent[] } | undefined;
  for (const sentence of sentences) {
    const pieces = sentence
      .split(/\s*,\s*(?:and\s+)?|\s+(?:and|&|but|while)\s+/)
      .map((p) => p.replaceAll('_', ' ').trim())
      .filter((p) => p && p !== 'and');
    let current: { clause: string; intents: Intent[] } | undefined;
    for (const piece of pieces) {
      if (!stripPolite(piece).replace(/[,.;!?]/g, '').trim()) continue;
      // "don't change the background, just …": what to leave alone is not an edit.
      if (isConstraint(piece)) continue;
      const standalone = withContext(parseClause(piece), previous);
      if (standalone.length > 0 && !standalone.every((i) => i.kind === 'bare_noun' && current)) {
        if (current) flush(current);
        current = { clause: piece, intents: standalone };
        previous = current;
        continue;
      }
      // A piece that means nothing alone borrows the previous clause's verb ("remove the cat and
      // the dog") or joins it ("make the cat and the dog blue").
      const verb = previous ? leadingVerb(previous.clause) : undefined;
      const borrowed = verb ? withContext(parseClause(`${verb} ${piece}`), previous) : [];
      if (borrowed.length > 0 && borrowed.every((i) => i.kind !== 'bare_noun')) {
        if (current) flush(current);
        current = { clause: `${verb} ${piece}`, intents: borrowed };
        previous = current;
        continue;
      }
      if (current) {
        const joined = `${current.clause} and ${piece}`;
        const rejoined = withContext(parseClause(joined), previous);
        if (rejoined.length > 0) {
          current = { clause: joined, intents: rejoined };
          previous = current;
          continue;
        }
      }
      if (current) flush(current);
      current = undefined;
      unparsed.push(piece);
    }
    if (current) flush(current);
  }
  function flush(clause: { intents: Intent[] }) {
    intents.push(...clause.intents);
  }
  return { intents: mergeRegionPieces(intents), unparsed };
}

function leadingVerb(clause: string): string | undefined {
  const match = /^(remove|delete|erase|get rid of|take out|add|put|place|insert|make|turn|paint|color|move|shift|swap|replace|change|give|draw|increase|decrease|reduce|boost|more|less|fewer)\b/.exec(
    stripPolite(clause),
  );
  return match?.[1];
}

/** Consecutive "X on the left" pieces (two or more) are one region-prompt step. */
function mergeRegionPieces(intents: Intent[]): Intent[] {
  const merged: Intent[] = [];
  for (let i = 0; i < intents.length; i++) {
    const intent = intents[i]!;
    const run: Extract<Intent, { kind: 'region_piece' }>[] = [];
    for (let j = i; j < intents.length; j++) {
      const candidate = intents[j]!;
      if (candidate.kind === 'region_piece') run.push(candidate);
      else if (candidate.kind === 'add' && candidate.region && !candidate.anchor)
        run.push({ kind: 'region_piece', prompt: candidate.object, region: candidate.region });
      else if (candidate.kind === 'move' && candidate.object && candidate.region && !candidate.direction)
        run.push({ kind: 'region_piece', prompt: candidate.object, region: candidate.region });
      else break;
    }
    if (run.length >= 2 && run.some((r) => intents[i + run.indexOf(r)]?.kind === 'region_piece')) {
      merged.push({ kind: 'regions', regions: run.map(({ prompt, region }) => ({ prompt, region })) });
      i += run.length - 1;
    } else merged.push(intent);
  }
  return merged;
}

/** "it" in a later clause is the object of the clause before ("make the star blue and move it left"). */
function inheritObject(intent: Intent, previous?: Context): Intent {
  if (!previous) return intent;
  const last = [...previous.intents].reverse().find((i) => objectOf(i));
  const inherited = last ? objectOf(last) : undefined;
  if (!inherited) return intent;
  switch (intent.kind) {
    case 'attribute':
    case 'resize':
    case 'move':
    case 'remove':
      return intent.object === undefined && (intent.kind !== 'remove' || !intent.region)
        ? { ...intent, object: inherited }
        : intent;
    case 'pose':
      return intent.subject === undefined ? { ...intent, subject: inherited } : intent;
    default:
      return intent;
  }
}

function objectOf(intent: Intent): string | undefined {
  switch (intent.kind) {
    case 'swap':
      return intent.target;
    case 'attribute':
    case 'resize':
    case 'move':
    case 'remove':
      return intent.object;
    case 'add':
      return intent.object;
    case 'pose':
      return intent.subject;
    default:
      return undefined;
  }
}

function withContext(intents: Intent[], previous?: Context): Intent[] {
  return intents.map((intent) => inheritObject(intent, previous));
}
