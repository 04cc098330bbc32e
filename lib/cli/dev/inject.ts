/**
 * What the dev server adds to a page on its way to the browser: a live-reload hook (a
 * Server-Sent Events listener that reloads the page when its file is rewritten, and draws
 * the live panel while its study re-runs) and, when the page's study failed on its
 * last re-run, an overlay with the error. Files on disk never carry either: they stay
 * self-contained and script-free.
 *
 * @module
 */
import { SERIES_COLORS } from "../../plot/figure.ts";
import { escapeHtml } from "../../plot/html.ts";
import { LIVE_PANEL_SOURCE } from "./live_panel.ts";

/** Path of the Server-Sent Events stream the reload hook listens to. */
export const EVENTS_PATH = "/__nnlab/events";

/** The `id` of the injected script element, so tests and users can tell a served page. */
export const RELOAD_SCRIPT_ID = "nnlab-live-reload";

/** The `id` of the injected error overlay. */
export const ERROR_OVERLAY_ID = "nnlab-dev-error";

/**
 * The reload hook. A "change" event carries a JSON list of file names under plots/; the
 * page reloads when its own name is in it, keeping its scroll position. The stream is
 * opened for this page (`?page=`), so it also receives this page's "live" events (a
 * re-run's progress, see live_panel.ts) and "live-end" when the re-run is over.
 */
const RELOAD_SCRIPT = `<script id="${RELOAD_SCRIPT_ID}">
(() => {
  const page = decodeURIComponent(location.pathname.split("/").pop() || "index.html");
  const key = "nnlab-scroll:" + page;
  const saved = sessionStorage.getItem(key);
  if (saved !== null) {
    sessionStorage.removeItem(key);
    addEventListener("load", () => scrollTo(0, Number(saved)));
  }
  const live = (${LIVE_PANEL_SOURCE})(${JSON.stringify(SERIES_COLORS)});
  const events = new EventSource("${EVENTS_PATH}?page=" + encodeURIComponent(page));
  events.addEventListener("live", (event) => live(JSON.parse(event.data)));
  events.addEventListener("live-end", () => live(null));
  events.addEventListener("change", (event) => {
    if (JSON.parse(event.data).includes(page)) {
      sessionStorage.setItem(key, String(scrollY));
      location.reload();
    }
  });
})();
</script>`;

/**
 * The error overlay: a fixed banner over the (last good) figure with the failing
 * study's output. The page underneath stays readable.
 *
 * @param errors one entry per failing study: its name and its error output
 * @example
 * ```ts
 * errorOverlay([{ study: "adam", message: "error: --jobs: got 0" }]);
 * ```
 */
export function errorOverlay(errors: { study: string; message: string }[]): string {
  if (errors.length === 0) return "";
  const blocks = errors.map(({ study, message }) =>
    `<p style="margin:0 0 .3em;font-weight:600">${
      escapeHtml(study)
    } failed on its last re-run; the figure below is from the last good run.</p>` +
    `<pre style="margin:0 0 .8em;white-space:pre-wrap;max-height:40vh;overflow:auto">${
      escapeHtml(message)
    }</pre>`
  ).join("");
  return `<div id="${ERROR_OVERLAY_ID}" role="alert" style="position:fixed;top:0;left:0;` +
    `right:0;z-index:1000;background:#fff4f4;color:#5a0000;border-bottom:3px solid #c00;` +
    `padding:.8em 1.2em;font:13px/1.4 ui-monospace,monospace;box-shadow:0 2px 8px #0003">` +
    `<button style="float:right" onclick="this.parentNode.remove()">dismiss</button>` +
    `${blocks}</div>`;
}

/**
 * Adds the reload hook (before `</body>`) and an error overlay (after `<body>`) to a page.
 *
 * @example
 * ```ts
 * const served = injectDevHooks(await Deno.readTextFile("plots/adam.html"), []);
 * served.includes(RELOAD_SCRIPT_ID); // true
 * ```
 */
export function injectDevHooks(
  html: string,
  errors: { study: string; message: string }[],
): string {
  let out = html;
  const overlay = errorOverlay(errors);
  if (overlay) {
    const body = /<body[^>]*>/i.exec(out);
    out = body
      ? out.slice(0, body.index + body[0].length) + overlay + out.slice(body.index + body[0].length)
      : overlay + out;
  }
  const end = out.toLowerCase().lastIndexOf("</body>");
  return end < 0 ? out + RELOAD_SCRIPT : out.slice(0, end) + RELOAD_SCRIPT + out.slice(end);
}

/** Characters of a page kept back while streaming, to find `<body ...>` and `</body>`. */
const LOOKBACK = 4096;

/** Longest `<body ...>` tag looked for across chunks, in characters. */
const MAX_TAG = 1 << 20;

/**
 * {@linkcode injectDevHooks} on a stream, so that a page of any size is served without
 * being held in memory: the overlay goes after the first `<body ...>` tag, the reload
 * hook before the last `</body>` within the last {@linkcode LOOKBACK} characters (at the
 * very end otherwise). For a page of the usual shape the bytes are those of
 * `injectDevHooks`.
 *
 * @example
 * ```ts
 * const file = await Deno.open("plots/adam.html");
 * new Response(injectDevHooksStream(file.readable, []));
 * ```
 */
export function injectDevHooksStream(
  page: ReadableStream<Uint8Array>,
  errors: { study: string; message: string }[],
): ReadableStream<Uint8Array> {
  let overlay = errorOverlay(errors);
  // Text not yet sent: searched for the body tag (while the overlay waits) and for the
  // closing tag (always, in its last LOOKBACK characters).
  let held = "";
  const inject = new TransformStream<string, string>({
    transform(chunk, controller) {
      held += chunk;
      if (overlay) {
        const body = /<body[^>]*>/i.exec(held);
        if (body) {
          const end = body.index + body[0].length;
          controller.enqueue(held.slice(0, end) + overlay);
          held = held.slice(end);
          overlay = "";
        }
      }
      // Keep enough to see a tag cut between two chunks: a "<body" whose ">" has not come
      // yet stays held with it (up to MAX_TAG characters).
      const open = held.lastIndexOf("<");
      const keep = overlay && open >= 0
        ? Math.min(MAX_TAG, Math.max(LOOKBACK, held.length - open))
        : LOOKBACK;
      if (held.length > keep) {
        controller.enqueue(held.slice(0, held.length - keep));
        held = held.slice(held.length - keep);
      }
    },
    flush(controller) {
      const text = overlay ? overlay + held : held;
      const end = text.toLowerCase().lastIndexOf("</body>");
      controller.enqueue(
        end < 0 ? text + RELOAD_SCRIPT : text.slice(0, end) + RELOAD_SCRIPT + text.slice(end),
      );
    },
  });
  return page.pipeThrough(new TextDecoderStream()).pipeThrough(inject).pipeThrough(
    new TextEncoderStream(),
  );
}

/**
 * A stand-in for a figure that does not exist yet: says so, and reloads when it appears.
 *
 * @example
 * ```ts
 * placeholderPage("adam.html", "running experiments/adam.ts ...");
 * ```
 */
export function placeholderPage(file: string, status: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${
    escapeHtml(file)
  } · nnlab dev</title></head><body style="font:15px/1.5 system-ui,sans-serif;margin:2em">` +
    `<h1 style="font-size:1.3em">${escapeHtml(file)}</h1><p>${
      escapeHtml(status)
    }</p><p><a href="index.html">all figures</a></p></body></html>`;
}
