/**
 * `deno task bench:page [PAGE.html]`: what a figure page costs a reader, in bytes and in
 * milliseconds to first paint, against the design nnlab did not take: Observable Plot
 * drawing the figures in the page from its inlined Plot and d3 bundles.
 *
 * Three versions of the same page are loaded in headless Chromium (tests/chromium.ts),
 * taking turns, each from a new file so no cache helps a later load:
 *
 * 1. `page`: the page as nnlab writes it (server-rendered SVG, a small inline script).
 * 2. `bundle-head`: the page with Plot's and d3's minified UMD bundles inlined in a
 *    `<script>` in `<head>` that defines `Plot` and `d3` and draws nothing: the least a
 *    page must run before Plot can draw a figure there, and it holds back the first paint.
 * 3. `bundle-end`: the same bundles at the end of `<body>`: the text paints first, but
 *    no figure could be drawn before DOMContentLoaded, after the bundles ran.
 *
 * The bundle versions keep the server's SVG, so they measure the bundle's weight alone:
 * a page that drew its figures with Plot would be later still by the drawing itself.
 * Reported per version: the median over `--repeat` loads (default 15, after 2 discarded)
 * of first paint, first contentful paint, DOMContentLoaded and the load event, in
 * milliseconds from navigation start (the Performance API's own entries), and the page's
 * size. The machine's load average is printed: on a shared machine every number is noisier.
 *
 * Without PAGE the page is `plots/adam.quick.html` (`deno task exp:adam --quick` writes it).
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { commandLineOrExit } from "../lib/cli/command_line.ts";
import { argumentError } from "../lib/errors.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { launchBrowser } from "../tests/chromium.ts";

const { repeat, page } = commandLineOrExit(
  Deno.args,
  { repeat: { type: "string" } },
  { allowPositionals: true },
  ({ values, positionals }) => {
    const text = (values.repeat ?? "15") as string;
    if (!/^\d+$/.test(text) || Number(text) < 1) {
      throw argumentError("--repeat", text, "an integer >= 1");
    }
    return {
      repeat: Number(text),
      page: positionals[0] ?? join(REPO_ROOT, "plots", "adam.quick.html"),
    };
  },
);

/** Plot's minified UMD bundle and the d3 bundle it runs on, as deno installed them. */
async function plotBundle(): Promise<string> {
  const plot = await Deno.realPath(join(REPO_ROOT, "node_modules", "@observablehq", "plot"));
  const d3 = join(dirname(dirname(plot)), "d3", "dist", "d3.min.js");
  return `${await Deno.readTextFile(d3)}\n${await Deno.readTextFile(
    join(plot, "dist", "plot.umd.min.js"),
  )}`;
}

const html = await Deno.readTextFile(resolve(page)).catch(() => {
  console.error(`error: no page at ${page}; write one first (deno task exp:adam --quick)`);
  Deno.exit(2);
});
const bundle = await plotBundle();
// A script's source must not end the script block early; the minified bundles never do.
if (bundle.includes("</script")) throw new Error("the bundle holds </script>; cannot inline it");

type Version = "page" | "bundle-head" | "bundle-end";
const VERSIONS: Version[] = ["page", "bundle-head", "bundle-end"];

/** The page as `version`, every inline script made unique so no compilation cache helps. */
function versionOf(version: Version, nonce: string): string {
  const unique = html.replace(/<script>/g, `<script>/*${nonce}*/`);
  const tag = `<script>/*${nonce}*/${bundle}</script>`;
  // A function, not a string: the bundle holds "$&" and "$'", which a replacement string expands.
  if (version === "bundle-head") return unique.replace("</head>", () => `${tag}</head>`);
  if (version === "bundle-end") return unique.replace("</body>", () => `${tag}</body>`);
  return unique;
}

const sizes = Object.fromEntries(
  VERSIONS.map((v) => [v, new TextEncoder().encode(versionOf(v, "")).length]),
);

const TIMINGS = `new Promise((done) => requestAnimationFrame(() => setTimeout(() => {
  const paint = Object.fromEntries(performance.getEntriesByType("paint").map((e) => [e.name, e.startTime]));
  const nav = performance.getEntriesByType("navigation")[0];
  done({ fp: paint["first-paint"], fcp: paint["first-contentful-paint"],
    dcl: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    plot: typeof Plot === "object" && typeof Plot.plot === "function" });
}, 100)))`;

interface Timing {
  fp: number;
  fcp: number;
  dcl: number;
  load: number;
  /** Whether the page has Plot (the bundle ran). */
  plot: boolean;
}

const work = await Deno.makeTempDir({ prefix: "nnlab-page-paint-" });
const samples = new Map<Version, Timing[]>(VERSIONS.map((v) => [v, []]));
try {
  await using browser = await launchBrowser();
  for (let round = 0; round < repeat + 2; round++) {
    for (const version of VERSIONS) {
      const file = join(work, `${version}-${round}.html`);
      await Deno.writeTextFile(file, versionOf(version, `${version}-${round}`));
      const tab = await browser.open(file);
      const timing = await tab.evaluate<Timing>(TIMINGS);
      if (timing.plot !== (version !== "page")) {
        throw new Error(`${version}: Plot is ${timing.plot ? "" : "not "}defined after load`);
      }
      await tab.send("Page.close");
      if (round >= 2) samples.get(version)!.push(timing); // the first two warm the browser
    }
  }
} finally {
  await Deno.remove(work, { recursive: true });
}

/** The `q` quantile (0..1) of `values`, linearly interpolated. */
const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1), low = Math.floor(at);
  return sorted[low] + (sorted[Math.min(low + 1, sorted.length - 1)] - sorted[low]) * (at - low);
};

console.log(`page: ${page}; bundle (d3 + Plot, minified UMD): ${kb(bundle.length)}`);
console.log(`load average: ${Deno.loadavg().map((v) => v.toFixed(2)).join(" ")}`);
console.log(`median of ${repeat} loads, ms from navigation start:`);
console.log("version       size     first paint  FCP (p25..p75)   DOMContentLoaded  load");
for (const version of VERSIONS) {
  const all = samples.get(version)!;
  const at = (key: Exclude<keyof Timing, "plot">, q = 0.5) =>
    quantile(all.map((t) => t[key]), q).toFixed(0);
  const fcp = `${at("fcp")} (${at("fcp", 0.25)}..${at("fcp", 0.75)})`;
  console.log(
    `${version.padEnd(12)}  ${kb(sizes[version]).padStart(7)}  ${at("fp").padStart(11)}  ` +
      `${fcp.padEnd(15)}  ${at("dcl").padStart(16)}  ${at("load").padStart(4)}`,
  );
}

function kb(bytes: number): string {
  return `${(bytes / 1000).toFixed(0)} KB`;
}
