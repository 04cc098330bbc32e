/**
 * Small helpers for writing HTML by hand: escaping text and embedding JSON safely.
 *
 * @module
 */

/**
 * Escapes text for an HTML element body or a quoted attribute value.
 *
 * @example
 * ```ts
 * import { escapeHtml } from "./html.ts";
 *
 * escapeHtml(`a < b & "c"`); // "a &lt; b &amp; &quot;c&quot;"
 * ```
 */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]);
}

const HTML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Serializes a value as JSON that is safe inside `<script type="application/json">`:
 * every `<` becomes `\u003c`, so no `</script>` or `<!--` can end the block early, and
 * `JSON.parse` of the element's text gives the value back. NaN and Infinity become null,
 * as in any JSON.
 *
 * @example
 * ```ts
 * import { jsonForScript } from "./html.ts";
 *
 * jsonForScript({ a: "</script>" }); // '{"a":"\u003c/script>"}': cannot end the script element
 * const html = `<script type="application/json" id="x">${jsonForScript({ a: 1 })}</script>`;
 * ```
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028")
    .replace(/\u2029/g, "\\u2029");
}
