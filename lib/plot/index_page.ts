/**
 * plots/index.html: one line per figure page, read back from each page's embedded data,
 * so the index is always rebuilt from what is on disk. Each line shows a thumbnail: a
 * scaled-down copy of the page's first chart (its inline SVG, so the index stays
 * self-contained too).
 *
 * @module
 */
import { join } from "node:path";
import { escapeHtml } from "./html.ts";
import { writeFileAtomic } from "../files.ts";
import { formatDate, readPageData } from "./page.ts";
import { PAGE_STYLE } from "./style.ts";

/** What the index shows of one page. */
export interface IndexEntry {
  /** File name inside the plots folder, e.g. "adam.html". */
  file: string;
  title: string;
  /** The page's one-line description, or why it could not be read. */
  summary: string;
  dataLine: string;
  /** ISO 8601, or "" when unknown. */
  date: string;
  runCount: number | null;
  /** The page's first chart as SVG markup, or "" when it has none. */
  thumbnail: string;
}

/** A chart's root SVG: Observable Plot gives it a viewBox; a legend swatch has none. */
const CHART_SVG = /<svg\b[^>]*\bviewBox="[^"]*"[^>]*>[\s\S]*?<\/svg>/;

/**
 * The first chart of a figure page, as SVG markup, or "" when the page has none.
 *
 * @example
 * ```ts
 * firstChart(await Deno.readTextFile("plots/adam.html")).startsWith("<svg"); // true
 * ```
 */
export function firstChart(html: string): string {
  return html.match(CHART_SVG)?.[0] ?? "";
}

/**
 * Reads every `*.html` page of `plotsDir` (except the index) into index entries, sorted
 * by title. A page without readable nnlab data is still listed, saying so.
 *
 * @example
 * ```ts
 * for (const entry of await readIndexEntries("plots")) console.log(entry.file, entry.date);
 * ```
 */
export async function readIndexEntries(plotsDir: string): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const item of Deno.readDir(plotsDir)) {
    if (!item.isFile || !item.name.endsWith(".html") || item.name === "index.html") continue;
    const html = await Deno.readTextFile(join(plotsDir, item.name));
    const data = readPageData(html);
    entries.push(
      data
        ? {
          file: item.name,
          title: data.page.title,
          summary: data.page.description,
          dataLine: data.page.dataLine,
          date: data.page.date,
          runCount: data.page.runCount,
          thumbnail: firstChart(html),
        }
        : {
          file: item.name,
          title: item.name,
          summary: "not an nnlab figure page (no embedded nnlab data)",
          dataLine: "",
          date: "",
          runCount: null,
          thumbnail: "",
        },
    );
  }
  return entries.sort((a, b) => a.title.localeCompare(b.title) || a.file.localeCompare(b.file));
}

/**
 * Renders the index page's HTML from entries (pure).
 *
 * @example
 * ```ts
 * const html = renderIndex(await readIndexEntries("plots"));
 * ```
 */
export function renderIndex(entries: readonly IndexEntry[]): string {
  const rows = entries.map((entry) =>
    `<tr><td><a href="${encodeURI(entry.file)}">${escapeHtml(entry.title)}</a>` +
    (entry.thumbnail
      ? `<a class="nnlab-thumb" href="${encodeURI(entry.file)}" aria-hidden="true" ` +
        `tabindex="-1">${entry.thumbnail}</a>`
      : "") +
    `</td>` +
    `<td>${escapeHtml(entry.summary)}` +
    (entry.dataLine ? `<div class="nnlab-note">${escapeHtml(entry.dataLine)}</div>` : "") +
    `</td><td class="num">${entry.runCount ?? "–"}</td>` +
    `<td>${escapeHtml(entry.date ? formatDate(entry.date) : "–")}</td></tr>`
  ).join("\n");
  const body = entries.length > 0
    ? `<table class="nnlab-table nnlab-index"><thead><tr><th>figure</th><th>summary</th>` +
      `<th class="num">runs</th><th>date</th></tr></thead><tbody>\n${rows}\n</tbody></table>`
    : `<p class="nnlab-note">No figures yet. Run <code>deno task exp:adam</code> to make the first one.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="nnlab">
<title>nnlab figures</title>
<style>${PAGE_STYLE}
.nnlab-index td { white-space: normal; vertical-align: top; }
.nnlab-index td:first-child, .nnlab-index td:last-child { white-space: nowrap; }
.nnlab-thumb { display: block; margin-top: 0.4em; }
.nnlab-thumb svg { display: block; width: 220px; height: auto; max-height: 160px; }
</style>
</head>
<body>
<header>
<h1>nnlab figures</h1>
<p class="nnlab-description">One page per experiment, each self-contained: figures, runs, provenance and data.</p>
</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/**
 * (Re)writes `<plotsDir>/index.html` listing every figure page with its date and
 * summary; returns the index's path.
 *
 * @example
 * ```ts
 * await writeFigurePage(page);
 * console.log(`index: ${await writeIndex("plots")}`);
 * ```
 */
export async function writeIndex(plotsDir: string): Promise<string> {
  const path = join(plotsDir, "index.html");
  await writeFileAtomic(path, renderIndex(await readIndexEntries(plotsDir)));
  return path;
}
