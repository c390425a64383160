// /inversions: the inversions kept for you (what they invert, with which method, their size, when
// last used), and deleting them.
import { defineCommand } from '../src/chat/command.ts';
import { formatBytes } from '../src/chat/images.ts';
import { escapeMarkdown } from '../src/chat/markdown.ts';
import type { PrismaClient } from '../src/store/database.ts';
import { deleteInversions } from '../src/store/inversions.ts';

const SHORT_ID = 8;
const MIN_PREFIX = 4;
const MAX_LISTED = 25;

export function ago(then: Date, now = new Date()): string {
  const seconds = Math.max(0, Math.round((now.getTime() - then.getTime()) / 1000));
  if (seconds < 60) return 'just now';
  const [amount, unit] =
    seconds < 3600 ? [Math.floor(seconds / 60), 'minute'] : seconds < 86_400 ? [Math.floor(seconds / 3600), 'hour'] : [Math.floor(seconds / 86_400), 'day'];
  return `${amount} ${unit}${amount === 1 ? '' : 's'} ago`;
}

/** The user's inversions that have not expired, most recently used first. */
async function listed(prisma: PrismaClient, userId: string) {
  return prisma.inversion.findMany({
    where: { userId, OR: [{ expiresAt: null }, { expiresAt: { gt: new Date() } }] },
    select: { id: true, method: true, params: true, lastUsedAt: true, dataHash: true, data: { select: { size: true } } },
    orderBy: [{ lastUsedAt: 'desc' }, { id: 'asc' }],
  });
}


function describe(row: Awaited<ReturnType<typeof listed>>[number]): string {
  const params = (row.params ?? {}) as { prompt?: unknown; steps?: unknown; guidance?: unknown };
  const caption = typeof params.prompt === 'string' && params.prompt !== '' ? `**${escapeMarkdown(params.prompt.slice(0, 80))}**` : 'an image with no caption';
  return `\`${row.id.slice(0, SHORT_ID)}\` ${caption}: \`${row.method}\`, ${String(params.steps)} steps, guidance ${String(params.guidance)}; ${formatBytes(row.data.size)}, last used ${ago(row.lastUsedAt)}`;
}

export const inversions = defineCommand({
  name: 'inversions',
  description: 'Lists the inversions kept for your edits, or deletes them.',
  options: {
    action: { type: 'string', description: 'list (default), or delete followed by an id from the list or all' },
    id: { type: 'string', description: 'For delete: the inversion\'s id as the list shows it, or all' },
  },
  examples: [
    { usage: '/inversions', description: 'list your stored inversions' },
    { usage: '/inversions delete 1a2b3c4d', description: 'delete one of them' },
    { usage: '/inversions delete all', description: 'delete every one of them' },
  ],
  async run(context, args) {
    const [verb = 'list', ...rest] = (args.action ?? 'list').trim().split(/\s+/);
    const target = (args.id ?? rest.join(' ')).trim().toLowerCase();
    const rows = await listed(context.prisma, context.user.id);
    if (verb.toLowerCase() === 'list') {
      if (rows.length === 0) {
        await context.reply({ text: 'You have no stored inversions. `/invert` makes one; edits of an image store theirs too.', ephemeral: true });
        return;
      }
      const total = rows.reduce((sum, r) => sum + r.data.size, 0);
      const shown = rows.slice(0, MAX_LISTED).map((r) => `- ${describe(r)}`);
      const more = rows.length > MAX_LISTED ? [`…and ${rows.length - MAX_LISTED} more, used less recently.`] : [];
      await context.reply({
        text: [`**Your inversions**: ${rows.length}, ${formatBytes(total)} in all`, ...shown, ...more, '', 'Delete one with `/inversions delete <id>`, or all with `/inversions delete all`.'].join('\n'),
        ephemeral: true,
      });
      return;
    }
    if (verb.toLowerCase() !== 'delete') {
      await context.reply({ text: `\`/inversions\` does \`list\` or \`delete <id|all>\`, not \`${escapeMarkdown(verb)}\`.`, ephemeral: true });
      return;
    }
    if (target === '') {
      await context.reply({ text: 'Which inversion? Give its id from `/inversions list`, or `all`: e.g. `/inversions delete all`.', ephemeral: true });
      return;
    }
    const chosen = target === 'all' ? rows : target.length >= MIN_PREFIX ? rows.filter((r) => r.id.startsWith(target)) : [];
    if (chosen.length === 0 || (target !== 'all' && chosen.length > 1)) {
      const why =
        rows.length === 0
          ? 'you have no stored inversions'
          : target.length < MIN_PREFIX && target !== 'all'
            ? `give at least ${MIN_PREFIX} characters of its id`
            : chosen.length > 1
              ? `\`${escapeMarkdown(target)}\` names more than one; give more of the id`
              : `you have no inversion \`${escapeMarkdown(target)}\` (see \`/inversions list\`)`;
      await context.reply({ text: `I deleted nothing: ${why}.`, ephemeral: true });
      return;
    }
    const count = await deleteInversions(context.prisma, context.user.id, chosen.map((r) => r.id), context.logger);
    const bytes = chosen.reduce((sum, r) => sum + r.data.size, 0);
    context.logger.info({ deleted: count }, 'inversions deleted');
    await context.reply({
      text: `Deleted ${count === 1 ? 'your inversion' : `${count} inversions`} (${formatBytes(bytes)}). The next edit of ${count === 1 ? 'that image' : 'those images'} inverts again.`,
      ephemeral: true,
    });
  },
});
