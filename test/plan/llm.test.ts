// The optional language model, against a real local HTTP server speaking the OpenAI chat-completions
// protocol: used when the grammar is unsure, ignored when it isn't, and a failing or slow endpoint
// falls back to the grammar's own answer without an exception.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { loadConfig } from '../../src/config/env.ts';
import { languageModelFromConfig, planWithConfiguredModel, planWithLanguageModel } from '../../src/plan/index.ts';

type Mode = 'ok' | 'error' | 'slow' | 'garbage' | 'invalid';
let mode: Mode = 'ok';
const requests: { path: string; auth?: string; body: { model: string; messages: { role: string; content: string }[] } }[] = [];
let server: Server;
let baseUrl = '';

function reply(res: ServerResponse, content: string) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, finish_reason: 'stop', message: { role: 'assistant', content } }] }));
}

before(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let raw = '';
    req.on('data', (chunk) => (raw += chunk));
    req.on('end', () => {
      requests.push({ path: req.url ?? '', ...(req.headers.authorization ? { auth: req.headers.authorization } : {}), body: JSON.parse(raw || '{}') });
      if (mode === 'error') {
        res.writeHead(500);
        res.end('{"error":{"message":"boom"}}');
      } else if (mode === 'slow') {
        setTimeout(() => reply(res, '{"intents":[{"kind":"swap","object":"cat","target":"lynx"}]}'), 3000).unref();
      } else if (mode === 'garbage') reply(res, 'I think you want a lynx!');
      else if (mode === 'invalid') reply(res, '{"intents":[{"kind":"teleport","object":"cat"}]}');
      else reply(res, '{"intents":[{"kind":"swap","object":"cat","target":"lynx"}]}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const CAT = { caption: 'a cat sitting on a sofa' };
const UNSURE = 'could the feline be reimagined as its wild cousin';

test('configuration: RETOUCH_LLM_* become the model settings; without them the model is off', () => {
  assert.equal(loadConfig({}).llm, undefined);
  assert.equal(languageModelFromConfig(loadConfig({})), undefined);
  const config = loadConfig({ RETOUCH_LLM_URL: 'http://localhost:1234/v1', RETOUCH_LLM_MODEL: 'small', RETOUCH_LLM_KEY: 'k', RETOUCH_LLM_TIMEOUT_MS: '2000' });
  assert.deepEqual(config.llm, { baseUrl: 'http://localhost:1234/v1', model: 'small', apiKey: 'k', timeoutMs: 2000 });
  assert.deepEqual(languageModelFromConfig(config), { baseUrl: 'http://localhost:1234/v1', model: 'small', apiKey: 'k', timeoutMs: 2000 });
  assert.throws(() => loadConfig({ RETOUCH_LLM_URL: 'http://localhost:1234/v1' }), /RETOUCH_LLM_MODEL/);
  assert.throws(() => loadConfig({ RETOUCH_LLM_URL: 'not a url', RETOUCH_LLM_MODEL: 'm' }), /RETOUCH_LLM_URL/);
});

test('the local model refines an instruction the grammar is unsure of, and is not asked otherwise', async () => {
  mode = 'ok';
  requests.length = 0;
  const env = { RETOUCH_LLM_URL: baseUrl, RETOUCH_LLM_MODEL: 'local-test', RETOUCH_LLM_KEY: 'secret' };
  const sure = await planWithConfiguredModel('make the cat a tiger', CAT, env);
  assert.equal(requests.length, 0, 'a confident parse never asks the model');
  assert.ok(sure.kind === 'plan' && sure.plan.steps[0]!.params.target === 'tiger');

  const refined = await planWithConfiguredModel(UNSURE, CAT, env);
  assert.equal(requests.length, 1);
  assert.equal(requests[0]!.path, '/v1/chat/completions');
  assert.equal(requests[0]!.auth, 'Bearer secret');
  assert.equal(requests[0]!.body.model, 'local-test');
  assert.ok(requests[0]!.body.messages.some((m) => m.role === 'user' && m.content.includes('feline')));
  assert.equal(refined.kind, 'plan');
  assert.ok(refined.kind === 'plan');
  assert.equal(refined.plan.steps[0]!.edit, 'swap');
  assert.equal(refined.plan.steps[0]!.params.target, 'lynx');

  // Without configuration nothing changes: the grammar's question, no request.
  const off = await planWithConfiguredModel(UNSURE, CAT, {});
  assert.equal(off.kind, 'clarify');
  assert.equal(requests.length, 1);
  // Hostile or empty input is never sent.
  const hostile = await planWithConfiguredModel('<script>alert(1)</script> @everyone', CAT, env);
  assert.equal(hostile.kind, 'clarify');
  assert.equal(requests.length, 1);
});

test('a failing, slow, chatty or invalid endpoint falls back to the grammar without an exception', async () => {
  const config = { baseUrl, model: 'local-test', timeoutMs: 300 };
  for (const m of ['error', 'slow', 'garbage', 'invalid'] as const) {
    mode = m;
    const started = Date.now();
    const result = await planWithLanguageModel(UNSURE, CAT, config);
    assert.equal(result.kind, 'clarify', `${m}: falls back to the grammar's question`);
    assert.ok(Date.now() - started < 2500, `${m}: took ${Date.now() - started} ms`);
  }
  // An endpoint that isn't there at all.
  const nowhere = await planWithLanguageModel(UNSURE, CAT, { baseUrl: 'http://127.0.0.1:9/v1', model: 'x', timeoutMs: 500 });
  assert.equal(nowhere.kind, 'clarify');
  mode = 'ok';
});
