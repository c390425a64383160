// Text between our markdown and Slack's: replies are written in Discord's markdown (**bold**,
// `code`, `- ` lists, backslash escapes) and Slack reads mrkdwn (*bold*, `code`, no escapes, and
// `<`, `>`, `&` as entities, so user text can never become a mention such as <!channel>). Incoming
// text arrives with those entities and with <@U…>, <#C…|name> and <https://…|label> markup.

/** Discord-style markdown → Slack mrkdwn. */
export function toMrkdwn(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) => {
      const list = /^(\s*)- (.*)$/.exec(line);
      const body = list ? list[2] ?? '' : line;
      const converted = convertInline(body);
      if (!list) return converted;
      const depth = Math.floor((list[1] ?? '').length / 2);
      return `${'    '.repeat(depth)}${depth === 0 ? '•' : '◦'} ${converted}`;
    })
    .join('\n');
}

function convertInline(text: string): string {
  // Code spans keep their content as typed (entities aside); everything else gets bold converted.
  return text
    .split(/(`[^`]*`)/)
    .map((part, i) => {
      if (i % 2 === 1) return escapeEntities(part);
      return escapeEntities(part)
        .replace(/\*\*(.+?)\*\*/g, '*$1*')
        .replace(/\\([\\`*_~|])/g, '$1');
    })
    .join('');
}

export function escapeEntities(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Slack's formatted text → what the person typed; the bot's own mention is dropped. */
export function fromSlackText(text: string, botUserId?: string): string {
  return text
    .replace(/<([^<>]*)>/g, (_whole, inner: string) => {
      const [target = '', label] = inner.split('|', 2);
      if (target.startsWith('@')) return target.slice(1) === botUserId ? '' : `@${label ?? target.slice(1)}`;
      if (target.startsWith('#')) return `#${label ?? target.slice(1)}`;
      if (target.startsWith('!')) return label ?? `@${target.slice(1)}`;
      return label ?? target;
    })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]{2,}/g, ' ')
    .trim();
}

/** Splits text into pieces of at most `limit` characters, at line ends where it can. */
export function splitText(text: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const cut = rest.lastIndexOf('\n', limit);
    const at = cut > 0 ? cut : limit;
    pieces.push(rest.slice(0, at));
    rest = rest.slice(at).replace(/^\n/, '');
  }
  if (rest.length > 0 || pieces.length === 0) pieces.push(rest);
  return pieces;
}
