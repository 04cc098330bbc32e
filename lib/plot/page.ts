/**
 * The figure page: one self-contained HTML file per study, readable offline and
 * when mailed. It holds the title and a one-line description, which data set the figures
 * show, the figures, a table of runs, the provenance (script and its source, config,
 * backend, versions, date, git commit) and every plotted value as embedded JSON.
 *
 * Nothing on the page loads anything: styles are inline, images are data URIs, and the
 * one script (figure_script.ts: hover, legend toggles, downloads) is inline too. Colours
 * follow the reader's light or dark mode. A quick page (`--quick`) carries a banner.
 *
 * @module
 */
import type { GpuAdapterInfo } from "../backend/info.ts";
import type { RunRecord } from "../runs/record.ts";
import type { Figure } from "./figure.ts";
import { writeFileAtomic } from "../files.ts";
import { FIGURE_SCRIPT } from "./figure_script.ts";
import { escapeHtml, jsonForScript } from "./html.ts";
import { plural } from "./plural.ts";
import { renderFigure, renderTable } from "./render.ts";
import { FIGURE_STYLE, PAGE_SECTIONS_STYLE, PAGE_STYLE } from "./style.ts";
import { type CellFormat, table } from "./table.ts";
import { configText, flatConfig, keyLabel, varyingKeys } from "./varying.ts";

/** The format tag of the embedded JSON; the index reads pages of this format. */
export const PAGE_FORMAT = "nnlab-figure-page/1";

/** The id of the `<script type="application/json">` element holding the page's data. */
export const PAGE_DATA_ID = "nnlab-data";

/** Where a page's numbers came from. */
export interface Provenance {
  /** Repository-relative path of the study script, e.g. "experiments/adam.ts". */
  scriptPath: string;
  /** The script's full source text. */
  scriptSource: string;
  /** The study's settings and flags as run. */
  config: Record<string, unknown>;
  /** The backend report (`initBackend`'s result) or a subset of it. */
  backend: {
    backend: string;
    provider?: string;
    threads?: number;
    simd?: boolean;
    host?: { cpu: string; cores: number; os: string; deno: string };
    /** The GPU adapter, for the webgpu backend. */
    gpu?: Pick<GpuAdapterInfo, "description" | "device" | "vendor" | "software" | "softwareReason">;
  };
  /** Library versions, e.g. { "@tensorflow/tfjs": "4.22.0", deno: "2.9.6" }. */
  versions: Record<string, string>;
  /** When the page was made, ISO 8601. */
  date: string;
  gitCommit: string | null;
  /** Whether the working tree had uncommitted changes. */
  dirty: boolean;
}

/** A run shown on the page, and whether it came from the cache. */
export interface PageRun {
  record: RunRecord;
  cached: boolean;
}

/** Everything a figure page shows. */
export interface FigurePageOptions {
  /** Path of the HTML file to write, e.g. "plots/adam.html". */
  out: string;
  title: string;
  /** One line: what the study shows. Also the page's summary in plots/index.html. */
  description: string;
  /** One line saying which data set the figures show. */
  dataLine: string;
  /**
   * Why the data set the study prefers was not used, e.g. "CIFAR-10 not used: cannot
   * reach www.cs.toronto.edu (offline?)"; shown once, apart from the data line.
   */
  dataFallback?: string;
  /** A `--quick` run: tiny sizes; the page says so in a banner, and the index marks it. */
  quick?: boolean;
  figures: Figure[];
  runs: PageRun[];
  provenance: Provenance;
  /**
   * The plotted data, embedded as JSON. Defaults to `[{title, data}]`, one entry per figure,
   * from each figure's own `data`.
   */
  data?: unknown;
}

/** What the embedded JSON holds; `JSON.parse` of the block gives this back. */
export interface PageData {
  format: typeof PAGE_FORMAT;
  page: {
    title: string;
    description: string;
    dataLine: string;
    dataFallback: string | null;
    quick: boolean;
    date: string;
    runCount: number;
  };
  provenance: Omit<Provenance, "scriptSource">;
  runs: PageRun[];
  data: unknown;
}

/** Metrics shown in the runs table first, in this order; others follow alphabetically. */
const METRIC_ORDER = [
  "bestValAcc",
  "finalValAcc",
  "bestTrainAcc",
  "finalTrainAcc",
  "testAcc",
  "finalLoss",
];

function runsTable(runs: readonly PageRun[]): string {
  const metricKeys = [...new Set(runs.flatMap(({ record }) => Object.keys(record.metrics ?? {})))]
    .sort((a, b) => {
      const rank = (key: string) => {
        const i = METRIC_ORDER.indexOf(key);
        return i < 0 ? METRIC_ORDER.length : i;
      };
      return rank(a) - rank(b) || a.localeCompare(b);
    });
  // The hyper-parameters that tell these runs apart, right after the run's name.
  const configs = runs.map(({ record }) => flatConfig(record.config ?? {}));
  const varying = varyingKeys(configs);
  const rows = runs.map(({ record, cached }, i) => ({
    run: record.name,
    ...Object.fromEntries(varying.map((key) => [`config.${key}`, configText(configs[i][key])])),
    status: record.status + (record.error ? `: ${record.error}` : ""),
    ...Object.fromEntries(metricKeys.map((key) => [key, record.metrics?.[key]])),
    iterations: record.timings?.iterations,
    totalMs: record.timings?.totalMs,
    source: cached ? "cached" : "fresh",
  }));
  const metricFormat = (key: string): CellFormat => (/acc/i.test(key) ? "percent" : "number");
  return renderTable(table(rows, [
    { key: "run", label: "run", format: "text" },
    ...varying.map((key) => ({
      key: `config.${key}`,
      label: keyLabel(key),
      format: "text" as const,
    })),
    { key: "status", label: "status", format: "text" },
    ...metricKeys.map((key) => ({
      key,
      label: keyLabel(key),
      format: metricFormat(key),
    })),
    { key: "iterations", label: "iterations", format: "integer" },
    { key: "totalMs", label: "wall time", format: "milliseconds" },
    { key: "source", label: "cached / fresh", format: "text" },
  ]));
}

function definitionList(entries: [string, string][]): string {
  return `<dl class="nnlab-facts">${
    entries.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`).join("")
  }</dl>`;
}

function provenanceSection(p: Provenance): string {
  const b = p.backend;
  const backendLine = [
    b.backend,
    b.provider ? `(${b.provider})` : "",
    b.threads !== undefined ? plural(b.threads, "thread") : "",
    b.simd !== undefined ? `SIMD ${b.simd ? "on" : "off"}` : "",
  ].filter(Boolean).join(", ").replace(", (", " (");
  const host = b.host ? `${b.host.cpu}, ${plural(b.host.cores, "core")}, ${b.host.os}` : "unknown";
  const gpu = b.gpu
    ? `${b.gpu.description || b.gpu.device || "unnamed adapter"} (${b.gpu.vendor}, ${
      b.gpu.software ? `software: ${b.gpu.softwareReason}` : "hardware"
    })`
    : undefined;
  const versions = Object.entries(p.versions).map(([name, version]) =>
    `<code>${escapeHtml(name)}</code> ${escapeHtml(version)}`
  ).join(", ");
  const commit = p.gitCommit
    ? `<code>${escapeHtml(p.gitCommit)}</code>${p.dirty ? " (with uncommitted changes)" : ""}`
    : "unknown (not a git checkout)";
  const lines = p.scriptSource.split("\n").length;
  return `<section class="nnlab-provenance">
<h2>Provenance</h2>
${
    definitionList([
      ["script", `<code>${escapeHtml(p.scriptPath)}</code>`],
      ["date", escapeHtml(formatDate(p.date))],
      ["git commit", commit],
      ["backend", escapeHtml(backendLine)],
      ...(gpu ? [["GPU adapter", escapeHtml(gpu)] as [string, string]] : []),
      ["host", escapeHtml(host)],
      ["versions", versions || "–"],
    ])
  }
<details><summary>Config</summary><pre><code>${
    escapeHtml(JSON.stringify(p.config, null, 2))
  }</code></pre></details>
<details><summary>Source of <code>${escapeHtml(p.scriptPath)}</code> (${
    plural(lines, "line")
  })</summary><pre><code>${escapeHtml(p.scriptSource)}</code></pre></details>
</section>`;
}

/**
 * The data line and the fallback reason, apart. A data line may still end with
 * " (CIFAR-10 not used: ...)" (pages written, or options given, before `dataFallback`
 * existed); that ending is taken out and becomes the reason, so it is said once.
 *
 * @example
 * ```ts
 * import { dataLineParts } from "./page.ts";
 *
 * dataLineParts("MNIST digits: 200 train (CIFAR-10 not used: offline)", null);
 * // { dataLine: "MNIST digits: 200 train", dataFallback: "CIFAR-10 not used: offline" }
 * ```
 */
export function dataLineParts(
  dataLine: string,
  dataFallback: string | null | undefined,
): { dataLine: string; dataFallback: string | null } {
  if (dataFallback) return { dataLine, dataFallback };
  const at = dataLine.lastIndexOf(" (CIFAR-10 not used: ");
  if (at < 0 || !dataLine.endsWith(")")) return { dataLine, dataFallback: null };
  return { dataLine: dataLine.slice(0, at), dataFallback: dataLine.slice(at + 2, -1) };
}

/**
 * Formats an ISO date as "2025-03-01 14:05 UTC"; anything else is shown as given.
 *
 * @example
 * ```ts
 * import { formatDate } from "./page.ts";
 *
 * formatDate("2025-03-01T14:05:09.000Z"); // "2025-03-01 14:05 UTC"
 * ```
 */
export function formatDate(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** The embedded JSON of a page. */
function pageData(options: FigurePageOptions): PageData {
  const { title, description, figures, runs, provenance } = options;
  const { dataLine, dataFallback } = dataLineParts(options.dataLine, options.dataFallback);
  const { scriptSource: _source, ...provenanceMeta } = provenance;
  return {
    format: PAGE_FORMAT,
    page: {
      title,
      description,
      dataLine,
      dataFallback,
      quick: options.quick ?? false,
      date: provenance.date,
      runCount: runs.length,
    },
    provenance: provenanceMeta,
    runs,
    data: options.data ??
      figures.map((figure) => ({ title: figure.title, data: figure.data ?? null })),
  };
}

/** The page's content: header, figures, runs, provenance, data note. */
function pageBody(options: FigurePageOptions, { crumb = true } = {}): string {
  const { title, description, figures, runs, provenance } = options;
  const { dataLine, dataFallback } = dataLineParts(options.dataLine, options.dataFallback);
  const cachedCount = runs.filter((run) => run.cached).length;
  const freshCount = runs.length - cachedCount;
  const quick = options.quick
    ? `<p class="nnlab-quick" role="note"><strong>Quick run</strong> (<code>--quick</code>): ` +
      `tiny data sets and few epochs, to check that the study runs. Its numbers do not show ` +
      `what the full study shows; run it without <code>--quick</code> for that.</p>`
    : "";
  const fallback = dataFallback ? `<p class="nnlab-note">${escapeHtml(dataFallback)}</p>` : "";
  return `<header>
${crumb ? `<p class="nnlab-crumb"><a href="index.html">nnlab figures</a></p>` : ""}
<h1>${escapeHtml(title)}</h1>
<p class="nnlab-description">${escapeHtml(description)}</p>
<p class="nnlab-dataline">Data: ${escapeHtml(dataLine)}</p>
${fallback}
</header>
<main>
${quick}
${figures.map(renderFigure).join("\n")}
<section class="nnlab-runs">
<h2>Runs</h2>
<p class="nnlab-note">${
    plural(runs.length, "run")
  }: ${freshCount} trained now, ${cachedCount} served from the cache (<code>data/runs</code>). The columns after the run's name are the settings that differ between runs. Accuracies are fractions shown as percentages; wall time is the whole run.</p>
<div class="nnlab-scroll">${runsTable(runs)}</div>
</section>
${provenanceSection(provenance)}
<section class="nnlab-datanote">
<h2>Data</h2>
<p class="nnlab-note">Every plotted value and every run record is embedded in this file as JSON: <code>JSON.parse(document.getElementById("${PAGE_DATA_ID}").textContent)</code>. Each figure's CSV button downloads the values it plots.</p>
</section>
</main>`;
}

/**
 * Builds the page's HTML (pure: no file access). `writeFigurePage` writes it.
 *
 * @example
 * ```ts
 * import { type FigurePageOptions, renderFigurePage } from "./page.ts";
 *
 * declare const options: FigurePageOptions;
 * const html = renderFigurePage(options);
 * html.startsWith("<!doctype html>"); // true
 * ```
 */
export function renderFigurePage(options: FigurePageOptions): string {
  const title = options.quick ? `${options.title} (quick run)` : options.title;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<meta name="generator" content="nnlab">
<title>${escapeHtml(title)} · nnlab</title>
<style>${PAGE_STYLE}</style>
</head>
<body class="nnlab-root">
${pageBody(options)}
<script type="application/json" id="${PAGE_DATA_ID}">${jsonForScript(pageData(options))}</script>
<script>${FIGURE_SCRIPT}</script>
</body>
</html>
`;
}

/**
 * A page as a notebook shows it: `deno jupyter` displays the returned bundle (the page's
 * content, its styles scoped to it, its script) inline in the cell's output.
 *
 * @example
 * ```ts
 * import { type FigurePageOptions, pageDisplay } from "./page.ts";
 *
 * declare const options: FigurePageOptions;
 * // in a notebook cell:
 * ({ [Symbol.for("Jupyter.display")]: () => pageDisplay(options) });
 * ```
 */
export function pageDisplay(options: FigurePageOptions): { "text/html": string } {
  return notebookBundle(pageBody(options, { crumb: false }), FIGURE_SCRIPT);
}

/** A page's content as a notebook shows it: its styles scoped to it, then its script. */
function notebookBundle(body: string, script: string): { "text/html": string } {
  return {
    "text/html": `<style>${FIGURE_STYLE}${PAGE_SECTIONS_STYLE}</style>` +
      `<div class="nnlab-root nnlab-notebook">${body}</div><script>${script}</script>`,
  };
}

/**
 * A written page as a notebook shows it, from its HTML: what {@linkcode pageDisplay} gives
 * for the options it was written from, with the page's own script (made for its markup).
 * The link to the index and the embedded JSON stay out of the cell. Null for HTML that
 * is not an nnlab figure page.
 *
 * @example
 * ```ts
 * const bundle = savedPageDisplay(await Deno.readTextFile("plots/adam.html"));
 * bundle?.["text/html"].includes("<svg"); // true
 * ```
 */
export function savedPageDisplay(html: string): { "text/html": string } | null {
  if (readPageData(html) === null) return null;
  const body = new RegExp(
    `<body[^>]*>([\\s\\S]*?)<script type="application/json" id="${PAGE_DATA_ID}">`,
  ).exec(html)?.[1];
  const script = /<script>([\s\S]*?)<\/script>\s*<\/body>/.exec(html)?.[1];
  if (body === undefined || script === undefined) return null;
  return notebookBundle(body.replace(/<p class="nnlab-crumb">[\s\S]*?<\/p>\n?/, "").trim(), script);
}

/**
 * Renders the page and writes it atomically to `options.out`; returns that path.
 * Call `writeIndex` afterwards to list it in plots/index.html.
 *
 * @example
 * ```ts
 * import { type PageRun, type Provenance, writeFigurePage } from "./page.ts";
 * import { learningCurves } from "./learning_curves.ts";
 * declare const runs: PageRun[];
 * declare const provenance: Provenance;
 * const path = await writeFigurePage({
 *   out: "plots/adam.html",
 *   title: "Update rules",
 *   description: "Which update rule trains fastest?",
 *   dataLine: "offline MNIST digits: 4,000 train / 1,000 val",
 *   figures: [learningCurves(runs.map((r) => r.record))],
 *   runs,
 *   provenance,
 * });
 * console.log(`wrote ${path}`);
 * ```
 */
export async function writeFigurePage(options: FigurePageOptions): Promise<string> {
  await writeFileAtomic(options.out, renderFigurePage(options));
  return options.out;
}

/**
 * Reads the embedded JSON back from a page's HTML; null when the page has none or it
 * does not parse (the caller decides how to report that). Pages written before a field
 * existed get its default (not quick, no fallback).
 *
 * @example
 * ```ts
 * import { readPageData } from "./page.ts";
 *
 * const data = readPageData(await Deno.readTextFile("plots/adam.html"));
 * console.log(data?.runs.length);
 * ```
 */
export function readPageData(html: string): PageData | null {
  const match = new RegExp(
    `<script type="application/json" id="${PAGE_DATA_ID}">([\\s\\S]*?)</script>`,
  ).exec(html);
  if (!match) return null;
  try {
    const data = JSON.parse(match[1]);
    if (data?.format !== PAGE_FORMAT || typeof data.page !== "object") return null;
    return { ...data, page: { quick: false, dataFallback: null, ...data.page } };
  } catch {
    return null;
  }
}
