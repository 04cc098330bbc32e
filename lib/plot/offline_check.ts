/**
 * Finds every reference in an HTML page that would make a browser reach the network, so
 * tests can prove a figure page is self-contained.
 *
 * @module
 */
import { parseHTML } from "linkedom";

/** One offending reference: where it is and what it points to. */
export interface NetworkReference {
  /** E.g. `<script src>`, `<image href>`, `style url()`, `<style> @import`. */
  where: string;
  url: string;
}

/** Attributes through which an element loads or links to something. */
const URL_ATTRIBUTES = [
  "src",
  "href",
  "xlink:href",
  "srcset",
  "poster",
  "action",
  "formaction",
  "data",
  "background",
  "ping",
];

/** A URL with a host (`http://`, `https://`, `//cdn`, `ftp://`, ...) or an http(s) scheme. */
const NETWORK_URL = /^\s*(?:(?:[a-z][a-z0-9+.-]*:)?\/\/|https?:)/i;

function cssUrls(css: string): string[] {
  const urls: string[] = [];
  for (const match of css.matchAll(/url\(\s*(['"]?)([^'")]*)\1\s*\)/gi)) urls.push(match[2]);
  for (const match of css.matchAll(/@import\s+(['"])([^'"]*)\1/gi)) urls.push(match[2]);
  return urls;
}

interface ScannedElement {
  tagName: string;
  textContent: string | null;
  attributes: ArrayLike<{ name: string; value: string }>;
}

/**
 * Lists the network references of a page: http(s) or host-relative URLs in any loading
 * attribute (src, href, srcset, ...), in `url()` or `@import` of style attributes and
 * `<style>` elements, and in a `<meta http-equiv="refresh">`. Text that merely mentions
 * a URL (a code listing, the embedded JSON, the SVG `xmlns`) is not a reference.
 *
 * @example
 * ```ts
 * import { networkReferences } from "./offline_check.ts";
 *
 * networkReferences('<img src="https://example.com/a.png">');
 * // [{ where: "<img src>", url: "https://example.com/a.png" }]
 * networkReferences('<img src="data:image/png;base64,AAAA">'); // []
 * ```
 */
export function networkReferences(html: string): NetworkReference[] {
  const { document } = parseHTML(html) as unknown as {
    document: { querySelectorAll(selector: string): Iterable<ScannedElement> };
  };
  const found: NetworkReference[] = [];
  for (const element of document.querySelectorAll("*")) {
    const tag = element.tagName.toLowerCase();
    for (const { name, value } of Array.from(element.attributes)) {
      const attribute = name.toLowerCase();
      if (URL_ATTRIBUTES.includes(attribute)) {
        const candidates = attribute === "srcset" || attribute === "ping"
          ? value.split(/[\s,]+/)
          : [value];
        for (const url of candidates) {
          if (NETWORK_URL.test(url)) found.push({ where: `<${tag} ${attribute}>`, url });
        }
      } else if (attribute === "style") {
        for (const url of cssUrls(value)) {
          if (NETWORK_URL.test(url)) found.push({ where: `<${tag} style> url()`, url });
        }
      } else if (tag === "meta" && attribute === "content") {
        const refresh = /url\s*=\s*['"]?([^'"\s;]+)/i.exec(value);
        if (refresh && NETWORK_URL.test(refresh[1])) {
          found.push({ where: "<meta content> refresh", url: refresh[1] });
        }
      }
    }
    if (tag === "style") {
      for (const url of cssUrls(element.textContent ?? "")) {
        if (NETWORK_URL.test(url)) found.push({ where: "<style> url()/@import", url });
      }
    }
  }
  return found;
}
