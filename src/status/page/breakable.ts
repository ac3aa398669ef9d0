// Long error text on a narrow screen: break it where a person would (after "/" in a path, after
// ":" or "," or "=" in a message), not in the middle of a word. The text is split into text nodes
// with <wbr> between them; CSS breaks inside a word only when one alone is wider than the card.
/// <reference lib="dom" />

const BREAK_AFTER = /([/\\:,=&?])(?=\S)/;

export function breakable(text: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  for (const [index, part] of text.split(BREAK_AFTER).entries()) {
    fragment.appendChild(document.createTextNode(part));
    if (index % 2 === 1) fragment.appendChild(document.createElement('wbr'));
  }
  return fragment;
}
