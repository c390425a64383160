// Every editing method, by id. Add a method by writing its module and listing it here.
import type { MethodId } from '../plan/methods.ts';
import { blended } from './blended.ts';
import { diffedit } from './diffedit.ts';
import { fpe } from './fpe.ts';
import { ilvr } from './ilvr.ts';
import { masactrl } from './masactrl.ts';
import { multidiffusion } from './multidiffusion.ts';
import { paintWithWords } from './paint-with-words.ts';
import { p2pLocal } from './p2p/local.ts';
import { p2pRefine } from './p2p/refine.ts';
import { p2pReplace } from './p2p/replace.ts';
import { p2pReweight } from './p2p/reweight.ts';
import { pnp } from './pnp.ts';
import { promptSwitch } from './prompt-switch.ts';
import { repaint } from './repaint.ts';
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

export type { MethodId };
export { checkParams, parameterNames, parseParamPairs } from './params.ts';
export { EDIT_DEFAULTS, runEdit, type EditPhase, type EditRequest, type EditRun } from './run.ts';
export * from './types.ts';
