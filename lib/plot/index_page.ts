/**
 * plots/index.html: every figure page, and every run of every page in one table (a run
 * browser: its study, the hyper-parameters that vary, its headline metrics; sortable and
 * filterable). Everything is read back from the pages' embedded JSON through
 * `readPageData`, so the index needs no run store and is always rebuilt from what is on
 * disk. Each page's first chart is shown as a thumbnail, sanitized (sanitize_svg.ts): a
 * page may come from anyone.
 *
 * The index carries a marker, so `writeIndex` replaces only an index it wrote itself.
 *
 * @module
 */
import { join } from "node:path";
import { writeFileAtomic } from "../files.ts";
import { escapeHtml } from "./html.ts";
import { INDEX_SCRIPT } from "./index_script.ts";
import { dataLineParts, formatDate, type PageRun, readPageData } from "./page.ts";
import { plural } from "./plural.ts";
import { sanitizeSvg } from "./sanitize_svg.ts";
import { PAGE_STYLE } from "./style.ts";
import { formatCell } from "./table.ts";
import { configText, flatConfig, keyLabel, varyingKeys } from "./varying.ts";

/**
 * The marker an nnlab index carries in its `<head>`.
 *
 * @example
 * ```ts
 * import { INDEX_MARKER } from "./index_page.ts";
 *
 * const ours = (await Deno.readTextFile("plots/index.html")).includes(INDEX_MARKER);
 * ```
 */
export const INDEX_MARKER = `<meta name="generator" content="nnlab-index">`;

/** What the index shows of one run. */
export interface IndexRun {
  name: string;
  status: string;
  config: Record<string, unknown>;
  metrics: Record<string, number>;
  /** Wall time, milliseconds. */
  totalMs: number | null;
}

/** What the index shows of one page. */
export interface IndexEntry {
  /** File name inside the plots folder, e.g. "adam.html". */
  file: string;
  title: string;
  /** The page's one-line description, or why it could not be read. */
  summary: string;
  dataLine: string;
  /** Why the study's preferred data set was not used, or null. */
  dataFallback: string | null;
  /** A `--quick` page. */
  quick: boolean;
  /** ISO 8601, or "" when unknown. */
  date: string;
  runCount: number | null;
  /** The page's first chart, sanitized SVG markup, or "" when it has none. */
  thumbnail: string;
  runs: IndexRun[];
}

/** A chart's root SVG: Observable Plot gives it a viewBox; a legend swatch has none. */
const CHART_SVG = /<svg\b[^>]*\bviewBox="[^"]*"[^>]*>[\s\S]*?<\/svg>/;

/**
 * The first chart of a figure page, sanitized (no script, handler or URL survives), or ""
 * when the page has none.
 *
 * @example
 * ```ts
 * import { firstChart } from "./index_page.ts";
 *
 * firstChart(await Deno.readTextFile("plots/adam.html")).startsWith("<svg"); // true
 * ```
 */
export function firstChart(html: string): string {
  const markup = html.match(CHART_SVG)?.[0];
  return markup ? sanitizeSvg(markup) : "";
}

/** An object, or {} for anything else (a page's JSON is not trusted to be well formed). */
function objectOr<T extends object>(value: unknown): T {
  return (value !== null && typeof value === "object" && !Array.isArray(value) ? value : {}) as T;
}

function indexRun(run: PageRun): IndexRun {
  const record = objectOr<Partial<PageRun["record"]>>(run?.record);
  const totalMs = objectOr<{ totalMs?: unknown }>(record.timings).totalMs;
  return {
    name: String(record.name ?? "?"),
    status: String(record.status ?? "?"),
    config: flatConfig(objectOr(record.config)),
    metrics: objectOr(record.metrics),
    totalMs: typeof totalMs === "number" ? totalMs : null,
  };
}

/**
 * Reads every `*.html` page of `plotsDir` (except the index) into index entries, sorted
 * by title, full pages before quick ones. A page without readable nnlab data is still
 * listed, saying so.
 *
 * @example
 * ```ts
 * import { readIndexEntries } from "./index_page.ts";
 *
 * for (const entry of await readIndexEntries("plots")) console.log(entry.file, entry.runs.length);
 * ```
 */
export async function readIndexEntries(plotsDir: string): Promise<IndexEntry[]> {
  const entries: IndexEntry[] = [];
  for await (const item of Deno.readDir(plotsDir)) {
    if (!item.isFile || !item.name.endsWith(".html") || item.name === "index.html") continue;
    const html = await Deno.readTextFile(join(plotsDir, item.name));
    const data = readPageData(html);
    if (!data) {
      entries.push({
        file: item.name,
        title: item.name,
        summary: "not an nnlab figure page (no embedded nnlab data)",
        dataLine: "",
        dataFallback: null,
        quick: false,
        date: "",
        runCount: null,
        thumbnail: "",
        runs: [],
      });
      continue;
    }
    const data_ = dataLineParts(String(data.page.dataLine), data.page.dataFallback);
    entries.push({
      file: item.name,
      title: String(data.page.title),
      summary: String(data.page.description),
      ...data_,
      quick: data.page.quick === true,
      date: String(data.page.date),
      runCount: Array.isArray(data.runs) ? data.runs.length : null,
      thumbnail: firstChart(html),
      runs: Array.isArray(data.runs) ? data.runs.map(indexRun) : [],
    });
  }
  return entries.sort((a, b) =>
    Number(a.quick) - Number(b.quick) || a.title.localeCompare(b.title) ||
    a.file.localeCompare(b.file)
  );
}

/**
 * Headline metrics, in column order: the first key a run has of each group is shown.
 * Fully connected runs report best/final validation accuracy; the digits studies report
 * test accuracy; both report a training accuracy and a final loss.
 */
const HEADLINES: { label: string; keys: string[]; format: "percent" | "number" }[] = [
  { label: "best val acc", keys: ["bestValAcc"], format: "percent" },
  { label: "test acc", keys: ["testAcc"], format: "percent" },
  { label: "train acc", keys: ["finalTrainAcc", "trainAcc"], format: "percent" },
  { label: "final loss", keys: ["finalLoss", "trainLoss"], format: "number" },
];

/** One cell of the run browser: shown text, and the raw number it sorts by. */
function cell(text: string, sortValue?: number | null, numeric = false): string {
  const empty = text === "" || text === "–";
  const value = sortValue !== undefined && sortValue !== null && Number.isFinite(sortValue)
    ? ` data-value="${sortValue}"`
    : "";
  return `<td${numeric ? ' class="num"' : ""}${value}${empty ? ' data-empty="1"' : ""}>${
    escapeHtml(text)
  }</td>`;
}

function quickBadge(quick: boolean): string {
  return quick ? ` <span class="nnlab-badge" title="a --quick run: tiny sizes">quick</span>` : "";
}

function runBrowser(entries: readonly IndexEntry[]): string {
  const pages = entries.filter((entry) => entry.runs.length > 0);
  if (pages.length === 0) return "";
  // A hyper-parameter is a column when it tells apart the runs of at least one page.
  const keys = [...new Set(pages.flatMap((page) => varyingKeys(page.runs.map((r) => r.config))))];
  const headlines = HEADLINES.filter((h) =>
    pages.some((page) => page.runs.some((run) => h.keys.some((key) => key in run.metrics)))
  );
  const head = [
    "<th>study</th><th>run</th>",
    ...keys.map((key) => `<th>${escapeHtml(keyLabel(key))}</th>`),
    "<th>status</th>",
    ...headlines.map((h) => `<th class="num">${escapeHtml(h.label)}</th>`),
    `<th class="num">wall time</th>`,
  ].join("");
  const rows = pages.flatMap((page) =>
    page.runs.map((run) => {
      const metric = (h: (typeof HEADLINES)[number]) => {
        const key = h.keys.find((k) => k in run.metrics);
        const value = key === undefined ? undefined : run.metrics[key];
        return cell(
          value === undefined ? "" : formatCell(value, h.format),
          typeof value === "number" ? value : undefined,
          true,
        );
      };
      const study = `<td><a href="${encodeURI(page.file)}">${escapeHtml(page.title)}</a>${
        quickBadge(page.quick)
      }</td>`;
      return `<tr data-study="${escapeHtml(page.file)}" data-quick="${page.quick ? 1 : 0}">` +
        study + cell(run.name) +
        keys.map((key) => {
          const value = run.config[key];
          return cell(
            key in run.config ? configText(value) : "",
            typeof value === "number" ? value : undefined,
          );
        }).join("") +
        cell(run.status) + headlines.map(metric).join("") +
        cell(
          run.totalMs === null ? "" : formatCell(run.totalMs, "milliseconds"),
          run.totalMs,
          true,
        ) +
        "</tr>";
    })
  ).join("\n");
  const options = pages.map((page) =>
    `<option value="${escapeHtml(page.file)}">${escapeHtml(page.title)}${
      page.quick ? " (quick)" : ""
    }</option>`
  ).join("");
  const runCount = pages.reduce((n, page) => n + page.runs.length, 0);
  return `<section class="nnlab-runs">
<h2>Runs</h2>
<p class="nnlab-note">Every run of every page. The columns after the run's name are the settings that tell a study's runs apart; click a heading to sort, type to filter (all words must match).</p>
<div class="nnlab-controls">
<input id="nnlab-filter" type="search" placeholder="filter: e.g. adam 0.001" aria-label="filter runs">
<select id="nnlab-study" aria-label="study"><option value="">all studies</option>${options}</select>
<label><input id="nnlab-hide-quick" type="checkbox"> hide quick runs</label>
<span id="nnlab-count" class="nnlab-note">${plural(runCount, "run")}</span>
</div>
<div class="nnlab-scroll"><table class="nnlab-table nnlab-runbrowser"><thead><tr>${head}</tr></thead><tbody>
${rows}
</tbody></table></div>
</section>`;
}

/**
 * Renders the index page's HTML from entries (pure).
 *
 * @example
 * ```ts
 * import { readIndexEntries, renderIndex } from "./index_page.ts";
 *
 * const html = renderIndex(await readIndexEntries("plots"));
 * ```
 */
export function renderIndex(entries: readonly IndexEntry[]): string {
  // A fallback (e.g. why CIFAR-10 was not used) is said once, not on every row.
  const fallbacks = [...new Set(entries.map((e) => e.dataFallback).filter((f) => f !== null))];
  const fallbackNote = fallbacks.map((reason) =>
    `<p class="nnlab-note">${
      escapeHtml(reason!)
    }: the pages below show the data set named in their row.</p>`
  ).join("\n");
  const rows = entries.map((entry) =>
    `<tr><td><a href="${encodeURI(entry.file)}">${escapeHtml(entry.title)}</a>${
      quickBadge(entry.quick)
    }` +
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
    ? `${fallbackNote}
<table class="nnlab-table nnlab-index"><thead><tr><th>figure</th><th>summary</th>` +
      `<th class="num">runs</th><th>date</th></tr></thead><tbody>\n${rows}\n</tbody></table>
${runBrowser(entries)}`
    : `<p class="nnlab-note">No figures yet. Run <code>deno task exp:adam</code> to make the first one.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
${INDEX_MARKER}
<title>nnlab figures</title>
<style>${PAGE_STYLE}
.nnlab-index td { white-space: normal; vertical-align: top; }
.nnlab-index td:first-child, .nnlab-index td:last-child { white-space: nowrap; }
.nnlab-root a.nnlab-thumb { display: block; margin-top: 0.4em; color: var(--ink); }
.nnlab-thumb svg { display: block; width: 200px; height: auto; max-height: 150px; font-family: system-ui, sans-serif; }
.nnlab-badge { font-size: 11px; padding: 0 5px; border-radius: 8px; background: var(--warn-bg); border: 1px solid var(--warn-rule); }
.nnlab-controls { display: flex; flex-wrap: wrap; gap: 8px 14px; align-items: center; margin: 8px 0; }
.nnlab-controls input[type="search"], .nnlab-controls select {
  font: inherit; font-size: 14px; color: var(--ink); background: var(--bg);
  border: 1px solid var(--rule); border-radius: 4px; padding: 3px 6px;
}
.nnlab-controls input[type="search"] { min-width: 260px; }
.nnlab-controls select { max-width: 24em; }
.nnlab-runbrowser td:first-child { white-space: normal; min-width: 12em; }
.nnlab-runbrowser th { cursor: pointer; user-select: none; }
.nnlab-runbrowser th[aria-sort="ascending"]::after { content: " ▲"; font-size: 10px; }
.nnlab-runbrowser th[aria-sort="descending"]::after { content: " ▼"; font-size: 10px; }
</style>
</head>
<body class="nnlab-root">
<header>
<h1>nnlab figures</h1>
<p class="nnlab-description">One page per study, each self-contained: figures, runs, provenance and data.</p>
</header>
<main>
${body}
</main>
<script>${INDEX_SCRIPT}</script>
</body>
</html>
`;
}

/** Whether `html` is an index this module wrote (now, or before the marker existed). */
function isOurIndex(html: string): boolean {
  return html.includes(INDEX_MARKER) ||
    (html.includes(`<meta name="generator" content="nnlab">`) &&
      html.includes("<title>nnlab figures</title>"));
}

/**
 * (Re)writes `<plotsDir>/index.html` listing every figure page and its runs; returns the
 * index's path. An existing index.html that nnlab did not write is never replaced: that
 * is an error naming the file.
 *
 * @example
 * ```ts
 * import { writeIndex } from "./index_page.ts";
 *
 * console.log(`index: ${await writeIndex("plots")}`);
 * ```
 */
export async function writeIndex(plotsDir: string): Promise<string> {
  const path = join(plotsDir, "index.html");
  const existing = await Deno.readTextFile(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  });
  if (existing !== null && !isOurIndex(existing)) {
    throw new Error(
      `${path}: got a file nnlab did not write (no "nnlab-index" marker); expected none or ` +
        "an nnlab index, so it is left as is; move it away to get an index there",
    );
  }
  await writeFileAtomic(path, renderIndex(await readIndexEntries(plotsDir)));
  return path;
}
