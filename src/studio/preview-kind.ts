// How a job's preview says what it is, for the chat to word it: a data URL parameter (RFC 2397) on
// sae.compose's layout, none on a decoded picture. Imports nothing, so the chat can read it.

/** The data URL parameter that marks a preview as the concept dictionary's layout of the prompt. */
export const LAYOUT_PREVIEW_PARAMETER = 'preview=layout';
