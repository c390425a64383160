import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createDefaultRegistry } from '../../../commands/index.ts';
import { commandRegistrationJson, EDIT_MENU_COMMAND, registerCommands } from '../../../src/platforms/discord/index.ts';
import { runRetouch } from '../../cli/run.ts';
import { startFakeDiscord, type FakeDiscord } from '../../support/discord/fake-discord.ts';

const DISCORD_TYPES = { string: 3, integer: 4, boolean: 5, number: 10 } as const;

// The commands Discord shows come from the same registry the dispatcher routes by, so a command
// added in commands/ appears on Discord with the options it parses.
describe('Discord command registration', () => {
  let discord: FakeDiscord;
  before(async () => {
    discord = await startFakeDiscord();
  });
  after(async () => {
    await discord?.close();
  });

  it('builds one slash command per registry command, with typed options, required first, an image option where a command takes one, and the context menu', () => {
    const registry = createDefaultRegistry();
    const body = commandRegistrationJson(registry) as any[];
    const slash = body.filter((command) => command.type === 1);
    assert.deepEqual(slash.map((c) => c.name), registry.list().map((c) => c.name));
    for (const command of registry.list()) {
      const registered = slash.find((c) => c.name === command.name);
      assert.equal(registered.description, command.description);
      assert.deepEqual(registered.contexts, [0], 'servers only');
      const expected = Object.entries(command.options).map(([name, option]) => ({ name, type: DISCORD_TYPES[option.type], required: option.required ?? false, description: option.description }));
      const got = registered.options.filter((o: any) => o.type !== 11).map((o: any) => ({ name: o.name, type: o.type, required: o.required, description: o.description }));
      assert.deepEqual(got, expected, `/${command.name} options`);
      const requiredFlags = registered.options.map((o: any) => o.required);
      assert.deepEqual(requiredFlags, [...requiredFlags].sort((a: boolean, b: boolean) => Number(b) - Number(a)), 'required options come first');
      const image = registered.options.find((o: any) => o.type === 11);
      if (command.image) assert.deepEqual(image, { type: 11, name: 'image', description: command.image.description, required: false });
      else assert.equal(image, undefined);
    }
    assert.ok(slash.find((c) => c.name === 'edit').options.some((o: any) => o.type === 11 && o.name === 'image'), '/edit takes an image attachment');
    assert.deepEqual(body.at(-1), { type: 3, name: EDIT_MENU_COMMAND, contexts: [0], integration_types: [0] });
  });

  it('turns choices into Discord choices and refuses what Discord would refuse', async () => {
    const { createCommandRegistry } = await import('../../../src/chat/registry.ts');
    const { defineCommand } = await import('../../../src/chat/command.ts');
    const pick = defineCommand({
      name: 'pick',
      description: 'Picks a method.',
      options: { method: { type: 'string', description: 'Which', choices: ['sdedit', 'p2p'] } },
      image: { description: 'The picture', required: true },
      examples: [{ usage: '/pick', description: 'pick' }],
      async run() {},
    });
    const [command] = commandRegistrationJson(createCommandRegistry([pick])) as any[];
    assert.deepEqual(command.options[0], { type: 11, name: 'image', description: 'The picture', required: true }, 'a required image moves before the optional options');
    assert.deepEqual(command.options[1].choices, [{ name: 'sdedit', value: 'sdedit' }, { name: 'p2p', value: 'p2p' }]);
    const clash = defineCommand({ ...pick, options: { image: { type: 'string', description: 'x' } } } as any);
    assert.throws(() => commandRegistrationJson(createCommandRegistry([clash])), /also has an option named "image"/);
  });

  it('registers in one server or globally, replacing the commands with a PUT', async () => {
    const commands = createDefaultRegistry();
    const rest = { api: discord.apiUrl };
    const inGuild = await registerCommands({ token: discord.token, applicationId: discord.applicationId, guildId: discord.guild.id, commands, rest });
    const guildCall = discord.calls.at(-1)!;
    assert.equal(guildCall.method, 'PUT');
    assert.equal(guildCall.path, `/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`);
    assert.equal(guildCall.authorization, `Bot ${discord.token}`);
    assert.deepEqual(guildCall.body, commandRegistrationJson(commands));
    assert.equal(inGuild.scope, 'guild');
    assert.deepEqual(inGuild.commands.map((c) => c.name), [...commands.list().map((c) => c.name), EDIT_MENU_COMMAND]);

    const global = await registerCommands({ token: discord.token, applicationId: discord.applicationId, commands, rest });
    assert.equal(discord.calls.at(-1)!.path, `/applications/${discord.applicationId}/commands`);
    assert.equal(global.scope, 'global');

    await assert.rejects(registerCommands({ token: 'wrong', applicationId: discord.applicationId, commands, rest: { ...rest, retries: 0 } }), /401/);
  });

  it('`retouch discord commands --json` prints the body and `retouch discord register --guild` sends it', async () => {
    const printed = await runRetouch(['discord', 'commands', '--json']);
    assert.equal(printed.code, 0, printed.stderr);
    assert.deepEqual(JSON.parse(printed.stdout), commandRegistrationJson(createDefaultRegistry()));

    const env = { DISCORD_TOKEN: discord.token, DISCORD_APPLICATION_ID: discord.applicationId };
    const before = discord.calls.length;
    const registered = await runRetouch(['discord', 'register', '--guild', discord.guild.id, '--api', discord.apiUrl, '--json'], env);
    assert.equal(registered.code, 0, registered.stderr);
    const result = JSON.parse(registered.stdout) as { scope: string; commands: Array<{ name: string }> };
    assert.equal(result.scope, 'guild');
    assert.ok(result.commands.some((c) => c.name === EDIT_MENU_COMMAND));
    const put = discord.calls.slice(before).find((c) => c.method === 'PUT');
    assert.equal(put?.path, `/applications/${discord.applicationId}/guilds/${discord.guild.id}/commands`);

    const human = await runRetouch(['discord', 'register', '--api', discord.apiUrl], env);
    assert.equal(human.code, 0, human.stderr);
    const count = createDefaultRegistry().list().length + 1;
    assert.match(human.stdout, new RegExp(`Registered ${count} commands globally .*/imagine, /edit.*"Edit with Retouch"`));

    const missing = await runRetouch(['discord', 'register'], { DISCORD_TOKEN: '', DISCORD_APPLICATION_ID: '' });
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /DISCORD_TOKEN is not set/);
    const badGuild = await runRetouch(['discord', 'register', '--guild', 'general'], env);
    assert.equal(badGuild.code, 2);
    assert.match(badGuild.stderr, /--guild must be a server id/);
  });
});
