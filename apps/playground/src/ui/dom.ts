/** Small DOM helpers: typed look-ups that fail loudly, and element creation. */

/** The element with id `id`, which must exist and be a `type` (e.g. HTMLCanvasElement). */
export function byId<T extends HTMLElement>(
  id: string,
  type: { new (): T } = HTMLElement as unknown as { new (): T },
): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`playground: the page has no element #${id}; index.html and the code disagree.`);
  if (!(el instanceof type))
    throw new Error(`playground: #${id} is a <${el.tagName.toLowerCase()}>, not a ${type.name}.`);
  return el;
}

/** Creates `<tag>` with attributes (`class`, `data-*`, `aria-*`…) and children (text or nodes). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  e.append(...children);
  return e;
}

/** Formats a number with `digits` significant digits, without exponent for the usual ranges. */
export function fmt(v: number, digits = 4): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : String(v);
  return Number(v.toPrecision(digits)).toString();
}
