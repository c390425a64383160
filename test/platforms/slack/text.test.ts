import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromSlackText, splitText, toMrkdwn } from '../../../src/platforms/slack/text.ts';
import { replyBlocks } from '../../../src/platforms/slack/blocks.ts';

test('replies become Slack mrkdwn: bold, lists, escapes, and no way to ping the channel', () => {
  assert.equal(toMrkdwn('**Drawing** `a*b` \\*x\\*'), '*Drawing* `a*b` *x*');
  assert.equal(toMrkdwn('**Queue**\n- waiting: 2\n  - held: 1'), '*Queue*\n• waiting: 2\n    ◦ held: 1');
  assert.equal(toMrkdwn('<!channel> & <@U123>'), '&lt;!channel&gt; &amp; &lt;@U123&gt;');
});

test('Slack text becomes what the person typed, without the bot\'s mention', () => {
  assert.equal(fromSlackText('<@UBOT> make the star blue', 'UBOT'), 'make the star blue');
  assert.equal(fromSlackText('<@UBOT|retouch>  like <@U1|ann> in <#C1|art> at <https://x.test/a|this> &lt;3 &amp; more', 'UBOT'), 'like @ann in #art at this <3 & more');
});

test('long text is split at line ends within Slack\'s section limit', () => {
  const text = Array.from({ length: 400 }, (_, i) => `line ${i} ${'x'.repeat(10)}`).join('\n');
  const pieces = splitText(text, 3000);
  assert.ok(pieces.length > 1 && pieces.every((p) => p.length <= 3000));
  assert.equal(pieces.join('\n'), text);
});

test('a reply\'s buttons become one actions block whose action ids are the button ids', () => {
  const { blocks, text } = replyBlocks(
    { text: '**Done**', images: [{ imageId: 'i1', alt: 'after' }, { imageId: 'i2', alt: 'not uploaded' }], buttons: [{ id: 'edit:undo:e1', label: 'Undo' }] },
    new Map([['i1', 'F123']]),
  );
  assert.equal(text, '*Done*');
  assert.deepEqual(blocks.map((b) => b.type), ['section', 'image', 'actions']);
  assert.deepEqual((blocks[1] as { slack_file: unknown }).slack_file, { id: 'F123' });
  assert.deepEqual((blocks[2] as { elements: Array<{ action_id: string; value: string }> }).elements.map((e) => [e.action_id, e.value]), [['edit:undo:e1', 'edit:undo:e1']]);
});

test('a progress update with a preview shows it as an image block before the buttons', () => {
  const { blocks } = replyBlocks(
    { text: 'Drawing', preview: { data: Buffer.from([1, 2, 3]), mediaType: 'image/webp' }, buttons: [{ id: 'imagine:cancel:j1', label: 'Cancel' }] },
    new Map(),
    'FPREVIEW',
  );
  assert.deepEqual(blocks.map((b) => b.type), ['section', 'image', 'actions']);
  assert.deepEqual((blocks[1] as { slack_file: unknown }).slack_file, { id: 'FPREVIEW' });
  assert.deepEqual(replyBlocks({ text: 'Drawing' }, new Map()).blocks.map((b) => b.type), ['section']);
});
