/** Attribute values for {@link h}: strings are set as attributes, `true` as an empty attribute, false/undefined skipped. */
export type Attrs = Record<string, string | number | boolean | undefined>;

/** A child for {@link h}: strings become text nodes (never parsed as HTML). */
export type Child = Node | string | null | undefined | false;

/**
 * Creates an element with attributes and children. Text is always inserted as text nodes, so whatever a
 * visitor or operator typed is shown as typed and never interpreted as HTML.
 */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    el.setAttribute(name, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** Appends children (strings as text nodes). */
export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces all children of `parent` (strings as text nodes). */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  while (parent.firstChild) parent.removeChild(parent.firstChild);
  append(parent, children);
}
