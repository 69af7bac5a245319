/**
 * The only way the report page creates DOM: elements by name, text through text nodes. Data
 * from a script (tags, routine names, driver names, messages) can never become markup here —
 * there is no innerHTML anywhere in the page.
 */

type Child = Node | string | number | null | undefined | false;

/** Attributes the page sets; no event-handler attributes, ever. */
export interface Attrs {
  class?: string;
  title?: string;
  role?: string;
  type?: string;
  placeholder?: string;
  value?: string;
  colspan?: number;
  [data: `data-${string}`]: string | number | undefined;
  [aria: `aria-${string}`]: string | number | undefined;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === undefined) continue;
      if (/^on/i.test(name)) throw new Error(`refusing event-handler attribute ${name}`);
      if (name === 'value' && el instanceof HTMLInputElement) el.value = String(value);
      else el.setAttribute(name, String(value));
    }
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function clear(el: Element): void {
  while (el.firstChild) el.removeChild(el.firstChild);
}
