import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createDefaultRegistry } from '../../../commands/index.ts';
import { slackCommandName, slackManifest, slackManifestJson } from '../../../src/platforms/slack/manifest.ts';
import { runRetouch } from '../../cli/run.ts';

const COMMITTED = new URL('../../../slack/manifest.json', import.meta.url);

test('the committed slack/manifest.json is the one the command registry generates (run `retouch slack manifest > slack/manifest.json`)', async () => {
  assert.equal(await readFile(COMMITTED, 'utf8'), slackManifestJson(createDefaultRegistry()));
});

test('the manifest registers every command, renaming those Slack keeps for itself', () => {
  const registry = createDefaultRegistry();
  const manifest = slackManifest(registry) as { features: { slash_commands: Array<{ command: string; description: string; url?: string }> }; settings: Record<string, unknown> };
  const registered = manifest.features.slash_commands.map((c) => c.command);
  assert.deepEqual(registered, registry.list().map((c) => slackCommandName(c)));
  assert.ok(registered.includes('/imagine') && registered.includes('/edit'));
  assert.ok(!registered.includes('/status'), '/status is a Slack built-in');
  if (registry.get('status')) assert.ok(registered.includes('/retouch-status'));
  assert.equal(manifest.settings.socket_mode_enabled, true);
  assert.ok(manifest.features.slash_commands.every((c) => c.url === undefined && c.description.length <= 2000));
});

test('`retouch slack manifest --url` points every request URL at <url>/slack/events and turns Socket Mode off', async () => {
  const { code, stdout } = await runRetouch(['slack', 'manifest', '--url', 'https://retouch.example.com/']);
  assert.equal(code, 0);
  const manifest = JSON.parse(stdout) as { features: { slash_commands: Array<{ url: string }> }; settings: { event_subscriptions: { request_url: string }; interactivity: { request_url: string }; socket_mode_enabled: boolean } };
  const url = 'https://retouch.example.com/slack/events';
  assert.equal(manifest.settings.event_subscriptions.request_url, url);
  assert.equal(manifest.settings.interactivity.request_url, url);
  assert.ok(manifest.features.slash_commands.every((c) => c.url === url));
  assert.equal(manifest.settings.socket_mode_enabled, false);
  const refused = await runRetouch(['slack', 'manifest', '--url', 'http://localhost:3000']);
  assert.equal(refused.code, 2);
  assert.match(refused.stderr, /--url must be an https:\/\/ address/);
});
