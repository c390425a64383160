// Every editing method, by id: adding a method is its module plus one line in EDIT_METHODS. The
// planner, the chat, the CLI and the workers read what a method is from here; what is known but not
// registered (METHODS.md's other ids, catalogue.ts) is "not available yet".
import { INVERSIONS, findInversion } from '../pipeline/inversion/registry.ts';
import { SCHEDULER_IDS, SCHEDULER_KINDS, type SchedulerKind } from '../pipeline/schedulers/index.ts';
import { blended } from './blended.ts';
import { UNREGISTERED_NAMES, type EditKind, type MethodId } from './catalogue.ts';
import { diffedit } from './diffedit.ts';
import { fpe } from './fpe.ts';
import { ilvr } from './ilvr.ts';
import { masactrl } from './masactrl.ts';
import { multidiffusion } from './multidiffusion.ts';
import { p2pLocal } from './p2p/local.ts';
import { p2pRefine } from './p2p/refine.ts';
import { p2pReplace } from './p2p/replace.ts';
import { p2pReweight } from './p2p/reweight.ts';
import { paintWithWords } from './paint-with-words.ts';
import { pnp } from './pnp.ts';
import { promptSwitch } from './prompt-switch.ts';
import { repaint } from './repaint.ts';
import { saeMove } from './sae/move.ts';
import { saeStyle } from './sae/style.ts';
import { sdedit } from './sdedit.ts';
import { EditRequestError, type EditMethod } from './types.ts';

export const EDIT_METHODS: readonly EditMethod[] = [
  sdedit,
  ilvr,
  repaint,
  blended,
  diffedit,
  p2pReplace,
  p2pRefine,
  p2pReweight,
  p2pLocal,
  pnp,
  fpe,
  masactrl,
  paintWithWords,
  multidiffusion,
  promptSwitch,
  saeMove,
  saeStyle,
];

const BY_ID = new Map<string, EditMethod>(EDIT_METHODS.map((method) => [method.id, method]));

export function findMethod(id: string): EditMethod | undefined {
  return BY_ID.get(id);
}

/** The method with this id, or an error that lists the ones there are. */
export function getMethod(id: string): EditMethod {
  const method = BY_ID.get(id);
  if (!method) throw new EditRequestError(`unknown method '${id}'; the editing methods are ${EDIT_METHODS.map((m) => m.id).join(', ')}`);
  return method;
}

const SCHEDULERS_BY_ID = new Map<string, string>(SCHEDULER_KINDS.map((kind) => [SCHEDULER_IDS[kind].id, SCHEDULER_IDS[kind].name]));

/** A scheduler kind's name in replies. */
export function schedulerName(kind: SchedulerKind): string {
  return SCHEDULER_IDS[kind].name;
}

/** Guidance every sampler applies: available wherever sampling is. */
const CLASSIFIER_FREE_GUIDANCE = { id: 'guide.cfg', name: 'classifier-free guidance' };

/** Whether a plan naming this id can run today: a registered method or inversion, a scheduler, or guidance. */
export function isAvailable(id: MethodId): boolean {
  return BY_ID.has(id) || findInversion(id) !== undefined || SCHEDULERS_BY_ID.has(id) || id === CLASSIFIER_FREE_GUIDANCE.id;
}

/** The id's name in replies. */
export function methodName(id: MethodId): string {
  return BY_ID.get(id)?.name ?? findInversion(id)?.name ?? SCHEDULERS_BY_ID.get(id) ?? (id === CLASSIFIER_FREE_GUIDANCE.id ? CLASSIFIER_FREE_GUIDANCE.name : undefined) ?? UNREGISTERED_NAMES[id] ?? id;
}

/** The registered methods "Try another method" offers for a kind of edit, in their order. */
export function alternativesFor(edit: EditKind): EditMethod[] {
  return EDIT_METHODS.filter((m) => m.alternativeFor?.[edit] !== undefined).sort((a, b) => a.alternativeFor![edit]! - b.alternativeFor![edit]!);
}


export { INVERSIONS };
