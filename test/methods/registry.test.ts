import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { z } from 'zod';
import { describeCatalogue } from '../../src/methods/describe.ts';
import { EDIT_KINDS, EDIT_METHODS, familyOf, INVERSIONS, isAvailable, METHOD_IDS, SCHEDULER_KINDS, type MethodId } from '../../src/methods/index.ts';
import { runRetouch } from '../cli/run.ts';

const METHODS_MD = process.env.RETOUCH_METHODS_MD ?? '/work/shared/METHODS.md';

test('every method descriptor is complete: names, edits, schema with defaults, dial, needs, schedulers', () => {
  assert.equal(new Set(EDIT_METHODS.map((m) => m.id)).size, EDIT_METHODS.length, 'ids are unique');
  for (const method of EDIT_METHODS) {
    const where = method.id;
    assert.ok(METHOD_IDS.includes(method.id), `${where}: an id of METHODS.md`);
    assert.ok(method.name.trim() && method.summary.trim(), `${where}: name and summary`);
    assert.ok(EDIT_KINDS.includes(method.edit), `${where}: edit kind`);
    for (const kind of Object.keys(method.alternativeFor ?? {})) assert.ok((EDIT_KINDS as readonly string[]).includes(kind), `${where}: alternative for ${kind}`);
    assert.equal(typeof method.promptDriven, 'boolean', `${where}: promptDriven`);
    assert.ok(method.params instanceof z.ZodObject, `${where}: an object schema`);
    assert.doesNotThrow(() => z.toJSONSchema(method.params, { unrepresentable: 'any', io: 'input' }), `${where}: a describable schema`);
    const shape = (method.params as z.ZodObject).shape as Record<string, z.ZodType>;
    const defaultOf = (name: string) => shape[name]?.safeParse(undefined);
    if (method.dial?.kind === 'injection') {
      for (const name of method.dial.params) assert.equal(typeof defaultOf(name)?.data, 'number', `${where}: injection fraction ${name} has a numeric default`);
    }
    if (method.dial?.kind === 'strength') assert.equal(typeof defaultOf('strength')?.data, 'number', `${where}: its strength has a default`);
    if (method.dial?.kind === 'weight') assert.equal(typeof defaultOf('weight')?.data, 'number', `${where}: its weight has a default`);
    for (const inversion of method.needs.inversion ?? []) assert.ok(INVERSIONS.some((i) => i.id === inversion), `${where}: accepts ${inversion}, which is registered`);
    for (const scheduler of method.schedulers ?? []) assert.ok(SCHEDULER_KINDS.includes(scheduler), `${where}: scheduler ${scheduler}`);
  }
});

test('every inversion descriptor is complete: invert, sampling and storage', () => {
  assert.equal(new Set(INVERSIONS.map((i) => i.id)).size, INVERSIONS.length);
  for (const inversion of INVERSIONS) {
    assert.equal(familyOf(inversion.id), 'inversion', inversion.id);
    assert.ok(inversion.name.trim() && inversion.summary.trim(), inversion.id);
    assert.equal(typeof inversion.invert, 'function');
    assert.equal(typeof inversion.sampling, 'function');
    assert.equal(typeof inversion.storage.decode, 'function');
    assert.equal(inversion.storage.tensors.length > 0, inversion.storage.encode !== undefined, `${inversion.id}: encodes exactly the tensors it names`);
  }
});

test('every id of METHODS.md is registered or reported as not available yet', () => {
  const catalogue = describeCatalogue();
  const registered = [...catalogue.methods.map((m) => m.id), ...catalogue.inversions.map((i) => i.id as MethodId)];
  const notYet = new Set<string>(catalogue.notAvailableYet.map((m) => m.id));
  for (const id of registered) assert.ok(isAvailable(id) && !notYet.has(id), id);
  // Every other id is a foundation the pipeline has (a scheduler, classifier-free guidance) or reported.
  for (const id of METHOD_IDS) assert.equal(isAvailable(id), !notYet.has(id), id);
  assert.ok(notYet.has('inpaint') && notYet.has('sae.compose') && !notYet.has('sample.euler'));
  // The catalogue is METHODS.md's list: every id written in its tables' first column is in it.
  if (existsSync(METHODS_MD)) {
    const ids = [...readFileSync(METHODS_MD, 'utf8').matchAll(/^\| `([a-z0-9_.]+)`(?: \/ `([a-z0-9_.]+)`)*/gm)].flatMap((m) => m[0].match(/`[a-z0-9_.]+`/g)!.map((s) => s.slice(1, -1)));
    assert.ok(ids.length > 40, `read ${ids.length} ids from ${METHODS_MD}`);
    for (const id of ids) assert.ok((METHOD_IDS as string[]).includes(id), `${id} of METHODS.md is in src/methods/catalogue.ts`);
  }
});

test('`retouch methods --json` prints every registered method and inversion with its descriptor', async () => {
  const result = await runRetouch(['methods', '--json']);
  assert.equal(result.code, 0, result.stderr);
  const printed = JSON.parse(result.stdout) as ReturnType<typeof describeCatalogue>;
  assert.deepEqual(printed.methods.map((m) => m.id), EDIT_METHODS.map((m) => m.id));
  assert.deepEqual(printed.inversions.map((i) => i.id), INVERSIONS.map((i) => i.id));
  const sdedit = printed.methods.find((m) => m.id === 'sdedit')!;
  assert.deepEqual((sdedit.params.properties as Record<string, unknown>).strength, { default: 0.5, type: 'number', exclusiveMinimum: 0, maximum: 1 });
  assert.ok(printed.notAvailableYet.some((m) => m.id === 'sae.compose'));
  const human = await runRetouch(['methods']);
  assert.match(human.stdout, /p2p\.replace +Prompt-to-Prompt word swap/);
  assert.match(human.stdout, /invert\.null_text +Null-text inversion/);
});
