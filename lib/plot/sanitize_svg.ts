/**
 * A chart's SVG made safe to copy into another page. The index shows each page's first
 * chart, and a page may come from anyone (pages are made to be mailed): copied raw, a
 * `<script>` or an `onload` in its SVG would run in the index. So the SVG is parsed and
 * rebuilt from an allow-list of drawing elements and presentation attributes; everything
 * else (scripts, handlers, links, images, foreign objects, animations, styles, ids that
 * could clash with the index's own, any URL) is left out.
 *
 * @module
 */
import { parseHTML } from "linkedom";
import { escapeHtml } from "./html.ts";

/** Elements kept (by lower-case name), with their SVG spelling. */
const ELEMENTS = new Map(
  [
    "svg",
    "g",
    "path",
    "circle",
    "ellipse",
    "line",
    "polyline",
    "polygon",
    "rect",
    "text",
    "tspan",
    "title",
    "desc",
  ].map((name) => [name.toLowerCase(), name]),
);

/** Attributes kept (by lower-case name), with their SVG spelling. */
const ATTRIBUTES = new Map(
  [
    "viewBox",
    "width",
    "height",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "dx",
    "dy",
    "d",
    "points",
    "transform",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "fill-opacity",
    "opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-dasharray",
    "stroke-miterlimit",
    "font-size",
    "font-family",
    "font-weight",
    "font-variant",
    "text-anchor",
    "dominant-baseline",
    "paint-order",
    "shape-rendering",
    "class",
    "role",
    "aria-label",
    "aria-hidden",
  ].map((name) => [name.toLowerCase(), name]),
);

/**
 * Whether an attribute value is plain drawing data: no markup, no script URL, no CSS
 * expression or import, no URL at all (a chart's attributes need none).
 */
function safeValue(value: string): boolean {
  // Browsers ignore control characters and spaces inside "java\tscript:".
  const compact = [...value].filter((c) => c.charCodeAt(0) > 0x20).join("").toLowerCase();
  return !/[<>]/.test(value) &&
    !["javascript:", "expression(", "url(", "@import"].some((bad) => compact.includes(bad));
}

interface ParsedNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  attributes?: ArrayLike<{ name: string; value: string }>;
  childNodes: ArrayLike<ParsedNode>;
}

function rebuild(node: ParsedNode): string {
  if (node.nodeType === 3) return escapeHtml(node.textContent ?? "");
  if (node.nodeType !== 1) return "";
  const name = ELEMENTS.get(node.nodeName.toLowerCase());
  if (!name) return "";
  const attributes = Array.from(node.attributes ?? [])
    .map(({ name, value }) => [ATTRIBUTES.get(name.toLowerCase()), value] as const)
    .filter(([attribute, value]) => attribute !== undefined && safeValue(value))
    .map(([attribute, value]) => ` ${attribute}="${escapeHtml(value)}"`)
    .join("");
  const namespace = name === "svg" ? ` xmlns="http://www.w3.org/2000/svg"` : "";
  const children = Array.from(node.childNodes).map(rebuild).join("");
  return `<${name}${namespace}${attributes}>${children}</${name}>`;
}

/**
 * Rebuilds an SVG from its allowed elements and attributes; "" when the markup's first
 * element is not an `<svg>`.
 *
 * @example
 * ```ts
 * import { sanitizeSvg } from "./sanitize_svg.ts";
 *
 * sanitizeSvg('<svg viewBox="0 0 10 10" onload="alert(1)"><script>alert(2)</script><circle r="3"/></svg>');
 * // '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><circle r="3"></circle></svg>'
 * ```
 */
export function sanitizeSvg(markup: string): string {
  const { document } = parseHTML(
    `<!doctype html><html><body>${markup}</body></html>`,
  ) as unknown as { document: { body: { firstElementChild: ParsedNode | null } } };
  const root = document.body.firstElementChild;
  if (!root || root.nodeName.toLowerCase() !== "svg") return "";
  return rebuild(root);
}
