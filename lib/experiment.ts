/**
 * The frame every experiment script shares: parse the common flags, start the backend,
 * say which data set is used, serve or train the runs, and write the figure page and the
 * index. A script supplies its settings, its runs and its figures.
 *
 * @module
 */
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend } from "./backend.ts";
import { RunCache } from "./cache.ts";
import type { DatasetName } from "./data/study.ts";
import { type ExperimentFlags, FLAGS_HELP, parseExperimentFlags } from "./flags.ts";
import { gitInfo, REPO_ROOT } from "./module_graph.ts";
import type { Figure } from "./plot/figure.ts";
import { writeIndex } from "./plot/index_page.ts";
import { writeFigurePage } from "./plot/page.ts";
import { executeRuns, type RunOutcome, type RunSpec } from "./runner.ts";
import { studyData } from "./trainers/study_data.ts";

/** Settings every study has: how many training examples it uses. */
export interface BaseSettings extends Record<string, unknown> {
  numTrain: number;
}

/** Settings as the runs see them: the study's, plus the resolved data set and the seed. */
export type ResolvedSettings<S> = S & { dataset: Exclude<DatasetName, "auto">; seed: number };

/** What a study script declares. */
export interface ExperimentDefinition<S extends BaseSettings> {
  /** File name of the figure: plots/<name>.html. */
  name: string;
  title: string;
  /** One line: what the study shows. */
  description: string;
  /** The script's `import.meta.url`, for the provenance. */
  script: string;
  /** Settings of a full run. */
  settings: S;
  /** What `--quick` changes: sizes and epochs only. */
  quick: Partial<S>;
  /** The runs, from the settings. */
  runs: (settings: ResolvedSettings<S>) => RunSpec[];
  /** The figures, from the runs' outcomes (in the order of `runs`). */
  figures: (outcomes: RunOutcome[], settings: ResolvedSettings<S>) => Figure[];
  /**
   * The data the runs see, for the data line and to resolve `--dataset auto`; default
   * `loadStudyData({dataset, numTrain})`. For studies that cut or scale the data
   * otherwise (pixels 0..1, a train/test split), so the line says what the runs use.
   */
  loadData?: (
    settings: S,
    dataset: DatasetName,
  ) => Promise<{ dataset: string; description: string }>;
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
 * Runs a study from the command line (`Deno.args`) and writes its figure.
 *
 * @example
 * ```ts
 * await runExperiment({
 *   name: "adam", title: "Update rules", description: "...", script: import.meta.url,
 *   settings: { numTrain: 4_000, numEpochs: 5 }, quick: { numTrain: 200, numEpochs: 1 },
 *   runs: (s) => rules.map((rule) => fcRun(rule, { ...s, updateRule: rule })),
 *   figures: (outcomes) => [learningCurves(outcomes.map((o) => o.record))],
 * });
 * ```
 */
export async function runExperiment<S extends BaseSettings>(
  definition: ExperimentDefinition<S>,
  args: string[] = Deno.args,
): Promise<string | undefined> {
  let flags: ExperimentFlags;
  try {
    flags = parseExperimentFlags(args);
  } catch (error) {
    return fail(error);
  }
  if (flags.help) {
    console.log(`${definition.title}: ${definition.description}\n\nflags:\n${FLAGS_HELP}`);
    return;
  }
  try {
    return await runWithFlags(definition, flags);
  } catch (error) {
    return fail(error);
  }
}

function fail(error: unknown): undefined {
  console.error(`error: ${(error as Error).message}`);
  Deno.exitCode = 1;
  return undefined;
}

async function runWithFlags<S extends BaseSettings>(
  definition: ExperimentDefinition<S>,
  flags: ExperimentFlags,
): Promise<string> {
  const start = performance.now();
  const backend = await initBackend({ backend: flags.backend, threads: flags.threads });
  const base = { ...definition.settings, ...(flags.quick ? definition.quick : {}) } as S;
  const data = definition.loadData
    ? await definition.loadData(base, flags.dataset)
    : await studyData({ dataset: flags.dataset, numTrain: base.numTrain, seed: 0 });
  console.log(`data: ${data.description}`);
  // Where oneDNN does not load, auto runs on wasm: one line says why native was passed over.
  const nativeSkipped = backend.skipped.find((line) => line.startsWith("native: "));
  console.log(
    `backend: ${backend.backend} (${backend.threads} thread${backend.threads > 1 ? "s" : ""})` +
      (nativeSkipped ? `; native passed over: ${nativeSkipped.slice("native: ".length)}` : ""),
  );
  const settings = {
    ...base,
    dataset: data.dataset as ResolvedSettings<S>["dataset"],
    seed: flags.seed,
  } as ResolvedSettings<S>;
  const outcomes = await executeRuns(definition.runs(settings), {
    experiment: definition.name,
    backend,
    cache: new RunCache(),
    fresh: flags.fresh,
    jobs: flags.jobs,
    workerThreads: flags.threads ?? 1,
  });
  const scriptFile = fileURLToPath(definition.script);
  const git = await gitInfo();
  const out = flags.out ?? join(REPO_ROOT, "plots", `${definition.name}.html`);
  await writeFigurePage({
    out,
    title: definition.title,
    description: definition.description,
    dataLine: data.description,
    figures: definition.figures(outcomes, settings),
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
  await writeIndex(join(out, ".."));
  const seconds = ((performance.now() - start) / 1000).toFixed(1);
  console.log(`wrote ${relative(Deno.cwd(), out) || out} in ${seconds} s`);
  return out;
}
