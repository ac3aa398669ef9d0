// A tiny element builder for the status page: the page re-renders its sections from each status
// snapshot, with text nodes only (never innerHTML), so nothing from the agent is parsed as markup.
/// <reference lib="dom" />

export type Child = Node | string | number | null | undefined | false;

export function h(tag: string, attributes: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  append(element, children);
  return element;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'object' ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A definition list from label/value pairs; pairs with a null value are left out. */
export function facts(pairs: Array<[string, Child]>): HTMLElement {
  const list = h('dl');
  for (const [label, value] of pairs) if (value !== null && value !== undefined) append(list, [h('dt', {}, label), h('dd', {}, value)]);
  return list;
}

export function byId(id: string): HTMLElement {
  const element = document.getElementById(id);
  if (!element) throw new Error(`status page: #${id} is missing`);
  return element;
}
