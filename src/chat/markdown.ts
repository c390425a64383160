// Replies are markdown as Discord reads it; text that came from a user (a file name) is escaped
// so it shows as typed instead of turning into formatting.

/** Escapes inline formatting; for text placed mid-line (block markers only count at a line's start). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_~|]/g, (character) => `\\${character}`);
}
