// A generated block in a hand-written document: the lines between two HTML comment markers are
// the generator's, everything else is the author's.

/** `text` with the lines between `begin` and `end` replaced by `body`; throws when a marker is missing. */
export function replaceBetween(text: string, begin: string, end: string, body: string, file = 'README.md'): string {
  const from = text.indexOf(begin);
  const to = text.indexOf(end);
  if (from < 0 || to < from) throw new Error(`${file}: the markers ${begin} ... ${end} are missing`);
  return `${text.slice(0, from + begin.length)}\n${body}\n${text.slice(to)}`;
}
