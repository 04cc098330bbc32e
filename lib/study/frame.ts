/**
 * The frame every study script shares: parse the common flags, start the backend,
 * resolve and load the study's data once, serve or train the runs, and write the figure
 * page and the index. A script supplies its settings, its data, its runs and its figures.
 *
 * With `--launcher slurm|pbs` the runs the store lacks are handed to the cluster engine as
 * one job array (lib/study/cluster.ts); the figure is drawn here once every run is stored
 * (`--wait`), or later by the same command.
 *
 * Where the page goes: `plots/<name>.html`, or `plots/<name>.quick.html` with `--quick`
 * (a quick page never replaces a full one), or `--out FILE`. nnlab never overwrites a file
 * it did not write: `--out` onto another program's file, a folder, a name without .html or
 * an unwritable place is refused before anything trains.
 *
 * @module
 */
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "../backend/init.ts";
import { loadData } from "../data/load.ts";
import { type DatasetFamily, resolveDataset } from "../data/resolve.ts";
import type { DataSpec, ResolvedDataset } from "../data/spec.ts";
import { REPO_ROOT } from "../files.ts";
import type { Figure } from "../plot/figure.ts";
import { INDEX_MARKER, writeIndex } from "../plot/index_page.ts";
import { readPageData, writeFigurePage } from "../plot/page.ts";
import type { RunSpec } from "../runs/record.ts";
import { executeRuns, type RunOutcome } from "../runs/runner.ts";
import { gitInfo } from "../runs/source_graph.ts";
import { RunStore } from "../runs/store.ts";
import { requireSubmitCommand } from "../runs/launchers/launch.ts";
import { launchStudy, submittingBackend, taskThreads } from "./cluster.ts";
import {
  type CoreSplit,
  FLAGS_HELP,
  parseStudyFlags,
  splitCores,
  type StudyFlags,
} from "./flags.ts";
import { studyPlanFile, writeStudyPlan } from "./plan.ts";

/** Settings as the runs see them: the study's, plus its resolved data and the seed. */
export type ResolvedSettings<S> = S & { data: DataSpec; seed: number };

/** What a study script declares. */
export interface StudyDefinition<S extends Record<string, unknown>> {
  /** File name of the figure: plots/<name>.html, or plots/<name>.quick.html with --quick. */
  name: string;
  /** The page's heading; built from the settings when it states a size. */
  title: string | ((settings: S) => string);
  /**
   * One line: what the study shows. A function of the settings the runs use (`--quick`
   * applied), so a size or a claim it states is the one the page's runs have.
   */
  description: string | ((settings: S) => string);
  /** The script's `import.meta.url`, for the provenance. */
  script: string;
  /** Settings of a full run. */
  settings: S;
  /** What `--quick` changes: sizes and epochs only. */
  quick: Partial<S>;
  /** Which data sets `--dataset auto` tries: the course's chain (default) or the digits'. */
  datasets?: DatasetFamily;
  /** The study's data for a resolved data set: its split and scaling, as a value. */
  data: (settings: S, dataset: ResolvedDataset) => DataSpec;
  /** The runs, from the settings. */
  runs: (settings: ResolvedSettings<S>) => RunSpec[];
  /** The figures, from the runs' outcomes (in the order of `runs`). */
  figures: (
    outcomes: RunOutcome[],
    settings: ResolvedSettings<S>,
  ) => Figure[] | Promise<Figure[]>;
}

/** The npm pins of deno.json, e.g. { "@tensorflow/tfjs": "4.22.0", ... }. */
async function pinnedVersions(): Promise<Record<string, string>> {
  const config = JSON.parse(await Deno.readTextFile(join(REPO_ROOT, "deno.json")));
  const versions: Record<string, string> = {};
  for (const specifier of Object.values(config.imports ?? {}) as string[]) {
    const match = specifier.match(/^npm:(@?[^@]+)@(.+)$/);
    if (match) versions[match[1]] = match[2];
  }
  return versions;
}

/**
 * Runs a study from the command line (`Deno.args`) and writes its figure; returns the
 * page's path, or undefined when no page was written: after an error (printed in one line,
 * exit code 1), or when the runs were handed to a cluster without `--wait`.
 *
 * @example
 * ```ts
 * import { dataSpec } from "../data/spec.ts";
 * import { learningCurves } from "../plot/learning_curves.ts";
 * import { fcRun } from "./fc_run.ts";
 * await runStudy({
 *   name: "adam", title: "Update rules", description: "...", script: import.meta.url,
 *   settings: { numTrain: 4_000, numEpochs: 5 }, quick: { numTrain: 200, numEpochs: 1 },
 *   data: (s, dataset) => dataSpec({ dataset, numTrain: s.numTrain }),
 *   runs: (s) => [fcRun("adam", { ...s, hiddenDims: [100], weightScale: 5e-2,
 *     updateRule: "adam", learningRate: 1e-3, batchSize: 100 })],
 *   figures: (outcomes) => [learningCurves(outcomes.map((o) => o.record))],
 * });
 * ```
 */
export async function runStudy<S extends Record<string, unknown>>(
  definition: StudyDefinition<S>,
  args: string[] = Deno.args,
): Promise<string | undefined> {
  let flags: StudyFlags;
  try {
    flags = parseStudyFlags(args);
  } catch (error) {
    return fail(error);
  }
  if (flags.help) {
    const { title, description } = definition;
    const settings = definition.settings;
    console.log(
      `${text(title, settings)}: ${text(description, settings)}\n\nflags:\n${FLAGS_HELP}`,
    );
    return;
  }
  try {
    return await runWithFlags(definition, flags, args);
  } catch (error) {
    return fail(error);
  }
}

/** A title or description for the given settings. */
function text<S>(words: string | ((settings: S) => string), settings: S): string {
  return typeof words === "function" ? words(settings) : words;
}

function fail(error: unknown): undefined {
  console.error(`error: ${(error as Error).message}`);
  Deno.exitCode = 1;
  return undefined;
}

/**
 * Where the page goes, checked before anything trains: a `.html` path that is not a
 * folder, in a folder that can be created and written, and not a file some other program
 * wrote. Returns the absolute path.
 *
 * @example
 * ```ts
 * await pagePath({ name: "adam", quick: true }); // "/repo/plots/adam.quick.html"
 * ```
 */
export async function pagePath(
  options: { name: string; quick: boolean; out?: string },
): Promise<string> {
  if (options.out === undefined) {
    return join(REPO_ROOT, "plots", `${options.name}${options.quick ? ".quick" : ""}.html`);
  }
  const out = resolve(options.out);
  const refuse = (why: string) => new Error(`--out ${options.out}: ${why}`);
  const existing = await Deno.stat(out).catch(() => null);
  if (existing?.isDirectory) throw refuse("is a folder; expected a file name ending in .html");
  if (!out.endsWith(".html")) throw refuse("expected a file name ending in .html");
  if (existing) {
    const html = await Deno.readTextFile(out).catch(() => "");
    if (readPageData(html) === null) {
      throw refuse(
        "exists and is not an nnlab figure page; nnlab never overwrites a file it did not write",
      );
    }
  }
  try {
    await Deno.mkdir(dirname(out), { recursive: true });
  } catch (error) {
    throw refuse(
      `cannot create the folder ${dirname(out)} (${(error as Error).message.split(":")[0]})`,
    );
  }
  const probe = join(dirname(out), `.nnlab-write-check-${Deno.pid}`);
  try {
    await Deno.writeTextFile(probe, "");
    await Deno.remove(probe);
  } catch (error) {
    throw refuse(`cannot write in ${dirname(out)} (${(error as Error).message.split(":")[0]})`);
  }
  return out;
}

async function runWithFlags<S extends Record<string, unknown>>(
  definition: StudyDefinition<S>,
  flags: StudyFlags,
  args: string[],
): Promise<string | undefined> {
  const start = performance.now();
  const out = await pagePath({ name: definition.name, quick: flags.quick, out: flags.out });
  const { launcher, dryRun } = flags.launch;
  const local = launcher === "local";
  // A study asked only for its plan (loadRuns) submits nothing.
  if (!local && !dryRun && !studyPlanFile()) await requireSubmitCommand(launcher);
  const submitting = local
    ? undefined
    : await submittingBackend(flags.backend, flags.threads ?? taskThreads(flags.launch));
  const base = { ...definition.settings, ...(flags.quick ? definition.quick : {}) } as S;
  const choice = await resolveDataset(flags.dataset, definition.datasets ?? "course");
  const spec = definition.data(base, choice.dataset);
  const settings = { ...base, data: spec, seed: flags.seed } as ResolvedSettings<S>;
  const specs = definition.runs(settings);
  const cores = navigator.hardwareConcurrency ?? 1;
  const split = await localSplit(flags, cores, specs.length);
  // Here every run trains on `split.threads`, in a worker or in this process alike (every
  // core: the backend's default, which caps wasm at its threaded build's most).
  const backend = submitting?.info ?? await initBackend({
    backend: flags.backend,
    threads: flags.threads ?? (split.threads < cores ? split.threads : undefined),
  });
  const planFile = studyPlanFile(); // loadRuns asks which runs the study serves now
  if (planFile) {
    return await writeStudyPlan(planFile, definition.name, specs, backend);
  }
  const data = await loadData(spec);
  console.log(`data: ${data.description}${choice.fallback ? ` (${choice.fallback})` : ""}`);
  // Threads are named for the tiers that use them (a GPU's are its own; cpu runs one).
  const threaded = backend.backend === "wasm" || backend.backend === "native";
  const threads = [
    threaded ? `${backend.threads} thread${backend.threads > 1 ? "s" : ""}` : "",
    local && split.jobs > 1 ? `up to ${split.jobs} runs at once` : "",
  ].filter(Boolean).join(" per run, ") || "1 run at a time";
  // Where oneDNN does not load, auto runs on wasm: one line says why native was passed over.
  const nativeSkipped = backend.skipped.find((line) => line.startsWith("native: "));
  const passedOver = nativeSkipped ? `; native passed over: ${nativeSkipped.slice(8)}` : "";
  console.log(
    submitting === undefined
      ? `backend: ${backend.backend} (${threads})${passedOver}`
      : submitting.started
      ? `backend: ${backend.backend} (${threads}), the best tier on this host, for every ` +
        `${launcher} task (--backend NAME chooses another)`
      : `backend: ${backend.backend}, for every ${launcher} task (not started on this host)`,
  );
  if (local && split.note) console.log(split.note);
  const store = new RunStore();
  if (!local) {
    const complete = await launchStudy({
      study: definition.name,
      specs,
      store,
      backend,
      flags,
      args,
      script: definition.script,
      out,
    });
    if (!complete) return undefined;
  }
  // After a launch every run is stored: served here, never trained (nor retrained by --fresh).
  const outcomes = await executeRuns(specs, {
    study: definition.name,
    backend,
    store,
    fresh: local && flags.fresh,
    jobs: local ? split.jobs : 1,
    workerThreads: split.threads,
  });
  const scriptFile = fileURLToPath(definition.script);
  const git = await gitInfo();
  await writeFigurePage({
    out,
    title: text(definition.title, base),
    description: text(definition.description, base),
    dataLine: data.description,
    ...(choice.fallback ? { dataFallback: choice.fallback } : {}),
    quick: flags.quick,
    figures: await definition.figures(outcomes, settings),
    runs: outcomes.map(({ record, cached }) => ({ record, cached })),
    provenance: {
      scriptPath: relative(REPO_ROOT, scriptFile),
      scriptSource: await Deno.readTextFile(scriptFile),
      config: { ...settings, flags },
      backend,
      versions: { ...(await pinnedVersions()), ...backend.versions, deno: Deno.version.deno },
      date: new Date().toISOString(),
      gitCommit: git.commit,
      dirty: git.dirty,
    },
  });
  // The index lives in plots/, or next to --out where an nnlab index already is; an
  // index.html that nnlab did not write is never replaced.
  const folder = dirname(out);
  const existingIndex = await Deno.readTextFile(join(folder, "index.html")).catch(() => null);
  if (folder === join(REPO_ROOT, "plots") || existingIndex?.includes(INDEX_MARKER)) {
    await writeIndex(folder);
  }
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`wrote ${relative(Deno.cwd(), out) || out} in ${seconds} s`);
  return out;
}

/**
 * Jobs and threads per run for a local study ({@linkcode splitCores}); where starting
 * worker processes is not permitted (the confined reproduce), one job with every core.
 */
async function localSplit(
  flags: StudyFlags,
  cores: number,
  runs: number,
): Promise<CoreSplit & { note?: string }> {
  const split = splitCores(flags, cores, runs);
  if (split.jobs > 1 && (await Deno.permissions.query({ name: "run" })).state !== "granted") {
    return {
      ...splitCores({ ...flags, jobs: 1 }, cores, runs),
      note: "jobs: 1 (starting worker processes is not permitted here)",
    };
  }
  return split.oversubscribed ? { ...split, note: `jobs: ${split.oversubscribed}` } : split;
}
