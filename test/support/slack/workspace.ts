// What people do in the stand-in workspace, each turned into the payload Slack would send the app:
// a slash command, an @-mention (optionally in a thread, optionally with files), a reaction added or
// removed, a button click, a message shortcut, a modal submission.
import { randomBytes } from 'node:crypto';
import type { Acked, Delivery } from './delivery.ts';
import type { SlackWebApiStandIn, StandInFile, StandInMessage } from './web-api.ts';

export class SlackWorkspace {
  constructor(readonly api: SlackWebApiStandIn, public delivery: Delivery) {}

  #user(id: string) {
    const user = this.api.users.get(id);
    if (!user) throw new Error(`no user ${id} in the stand-in`);
    return { id: user.id, username: user.name, name: user.name, team_id: this.api.team.id };
  }

  #channel(id: string) {
    return { id, name: this.api.conversations.get(id)?.name ?? id };
  }

  slashCommand(user: string, channel: string, command: string, text: string): Promise<Acked> {
    return this.delivery.deliver('slash_commands', {
      token: 'legacy-verification-token',
      team_id: this.api.team.id,
      team_domain: this.api.team.domain,
      channel_id: channel,
      channel_name: this.#channel(channel).name,
      user_id: user,
      user_name: this.#user(user).name,
      command,
      text,
      api_app_id: this.api.appId,
      is_enterprise_install: 'false',
      response_url: this.api.responseUrl(),
      trigger_id: this.api.issueTrigger(user),
    });
  }

  /** Posts `text` (which should contain `<@bot>`) as the user and delivers the app_mention event. */
  async mention(user: string, channel: string, text: string, { threadTs, files }: { threadTs?: string; files?: StandInFile[] } = {}): Promise<{ message: StandInMessage; acked: Acked }> {
    const message = this.api.postAsUser(channel, user, text, { threadTs, files });
    const event = {
      type: 'app_mention',
      user,
      text,
      ts: message.ts,
      channel,
      event_ts: message.ts,
      team: this.api.team.id,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(files ? { files } : {}),
    };
    const acked = await this.#deliverEvent(event);
    return { message, acked };
  }

  /**
   * The user reacts to a message with an emoji (by name: `+1`, `heart`); the app gets reaction_added.
   * Slack sends nothing when the user already had that reaction there: then undefined.
   */
  react(user: string, channel: string, ts: string, reaction: string): Promise<Acked | undefined> {
    return this.#reactionEvent('reaction_added', user, channel, ts, reaction, this.api.addReaction(channel, ts, user, reaction));
  }

  /** The user takes their reaction back; the app gets reaction_removed (nothing when there was none). */
  unreact(user: string, channel: string, ts: string, reaction: string): Promise<Acked | undefined> {
    return this.#reactionEvent('reaction_removed', user, channel, ts, reaction, this.api.removeReaction(channel, ts, user, reaction));
  }

  async #reactionEvent(type: 'reaction_added' | 'reaction_removed', user: string, channel: string, ts: string, reaction: string, changed: boolean): Promise<Acked | undefined> {
    if (!changed) return undefined;
    const eventTs = this.api.nextTs();
    return this.#deliverEvent({ type, user, reaction, item_user: this.api.message(channel, ts)?.user, item: { type: 'message', channel, ts }, event_ts: eventTs });
  }

  /** An Events API event in its event_callback envelope, as Slack delivers it. */
  #deliverEvent(event: Record<string, unknown>): Promise<Acked> {
    return this.delivery.deliver('events_api', {
      token: 'legacy-verification-token',
      team_id: this.api.team.id,
      api_app_id: this.api.appId,
      event,
      type: 'event_callback',
      event_id: `Ev${randomBytes(5).toString('hex').toUpperCase()}`,
      event_time: Math.floor(Date.now() / 1000),
      authorizations: [{ enterprise_id: null, team_id: this.api.team.id, user_id: this.api.botUserId, is_bot: true, is_enterprise_install: false }],
      is_ext_shared_channel: false,
      event_context: `4-${randomBytes(8).toString('hex')}`,
    });
  }

  clickButton(user: string, channel: string, messageTs: string, actionId: string): Promise<Acked> {
    const message = this.api.message(channel, messageTs);
    if (!message) throw new Error(`no message ${messageTs} in ${channel}`);
    const button = (message.blocks ?? [])
      .flatMap((block) => (block.type === 'actions' ? (block.elements as Array<Record<string, any>>) : []))
      .find((element) => element.action_id === actionId);
    if (!button) throw new Error(`message ${messageTs} has no button ${actionId}`);
    return this.delivery.deliver('interactive', {
      type: 'block_actions',
      user: this.#user(user),
      api_app_id: this.api.appId,
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: messageTs, channel_id: channel, is_ephemeral: false, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
      trigger_id: this.api.issueTrigger(user),
      team: { id: this.api.team.id, domain: this.api.team.domain },
      enterprise: null,
      is_enterprise_install: false,
      channel: this.#channel(channel),
      message,
      state: { values: {} },
      response_url: this.api.responseUrl(),
      actions: [{ action_id: actionId, block_id: 'b1', text: button.text, value: button.value, type: 'button', action_ts: `${Date.now() / 1000}` }],
    });
  }

  shortcut(user: string, channel: string, messageTs: string, callbackId: string): Promise<Acked> {
    const message = this.api.message(channel, messageTs);
    if (!message) throw new Error(`no message ${messageTs} in ${channel}`);
    return this.delivery.deliver('interactive', {
      type: 'message_action',
      token: 'legacy-verification-token',
      action_ts: `${Date.now() / 1000}`,
      team: { id: this.api.team.id, domain: this.api.team.domain },
      user: this.#user(user),
      channel: this.#channel(channel),
      is_enterprise_install: false,
      enterprise: null,
      callback_id: callbackId,
      trigger_id: this.api.issueTrigger(user),
      response_url: this.api.responseUrl(),
      message_ts: messageTs,
      message,
    });
  }

  /** Fills the open modal's inputs (`values[blockId][actionId]`) and submits it. */
  submitView(user: string, viewId: string, values: Record<string, Record<string, string>>): Promise<Acked> {
    const opened = this.api.views.get(viewId);
    if (!opened) throw new Error(`no open view ${viewId}`);
    const state = Object.fromEntries(
      Object.entries(values).map(([blockId, actions]) => [blockId, Object.fromEntries(Object.entries(actions).map(([actionId, value]) => [actionId, { type: 'plain_text_input', value }]))]),
    );
    return this.delivery.deliver('interactive', {
      type: 'view_submission',
      team: { id: this.api.team.id, domain: this.api.team.domain },
      user: this.#user(user),
      api_app_id: this.api.appId,
      token: 'legacy-verification-token',
      trigger_id: this.api.issueTrigger(user),
      view: { ...opened.view, state: { values: state } },
      response_urls: [],
      is_enterprise_install: false,
      enterprise: null,
    });
  }
}
