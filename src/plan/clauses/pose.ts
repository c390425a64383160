// Poses and actions: "make the dog sit", "have the cat look up".
import type { Intent } from '../intents.ts';
import { readAction } from './actions.ts';
import { readObject } from './nouns.ts';
import { ACTION_RE } from './words.ts';

export function parsePose(c: string): Intent[] | undefined {
  const lead = /^(?:make|have|let|get|can|could|want|i want)\s+(.+)$/.exec(c);
  const body = lead ? lead[1]! : c;
  const words = body.split(' ');
  for (let cut = 0; cut < words.length; cut++) {
    const subjectText = words.slice(0, cut).join(' ');
    const actionText = words
      .slice(cut)
      .join(' ')
      .replace(/^(?:to\s+|should\s+|must\s+|will\s+|is\s+|be\s+|are\s+|now\s+|start\s+|should be\s+|to be\s+)+/, '');
    const subject = subjectText ? readObject(subjectText) : { global: false };
    if (!subject) continue;
    const action = readAction(actionText);
    if (!action) continue;
    if (!lead && !ACTION_RE.test(actionText)) continue;
    // "a dog sitting next to the woman": a new thing doing something is an addition, not a pose.
    if (subject.noun && /^(?:a|an|some|another)\s/.test(subjectText)) {
      const near = /\b(?:next to|beside|near|by|with|on|behind|in front of)\s+(?:the|his|her|its)\s+(.+)$/.exec(actionText);
      const anchor = near ? readObject(near[1]!)?.noun : undefined;
      return [{ kind: 'add', object: subject.noun, ...(anchor ? { anchor } : {}) }];
    }
    return [{ kind: 'pose', ...(subject.noun ? { subject: subject.noun } : {}), action }];
  }
  return undefined;
}
