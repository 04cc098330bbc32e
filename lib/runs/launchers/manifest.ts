/**
 * The manifest of a launch: the runs a study hands to a cluster engine (its cache misses),
 * written once under `data/launches/<study>-<timestamp>/manifest.json` before submission
 * and read by every array task. It names the repository, the Deno binary and the run store
 * by absolute path: a task on a compute node sees them at the same paths (a shared
 * filesystem is assumed), and a task that cannot is a one-line error with its own exit
 * code. The trainer of each run is stored relative to the repository root.
 *
 * @module
 */
import { dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { BackendName } from "../../backend/init.ts";
import { BACKEND_NAMES } from "../../backend/init.ts";
import { describeValue } from "../../errors.ts";
import { REPO_ROOT, writeFileAtomic } from "../../files.ts";
import { repoPath } from "../identity.ts";
import type { RunSpec } from "../record.ts";
import { TASK_EXIT, TaskError } from "./exit_codes.ts";
import type { SchedulerName } from "./options.ts";

/**
 * The manifest format tag; a task refuses any other.
 *
 * @example
 * ```ts
 * declare const manifest: LaunchManifest;
 * manifest.format === MANIFEST_FORMAT; // true for every manifest readManifest returns
 * ```
 */
export const MANIFEST_FORMAT = "nnlab-launch/1";

/**
 * Where launches are written: `$NNLAB_LAUNCHES_DIR`, else data/launches in the repo.
 *
 * @example
 * ```ts
 * for await (const launch of Deno.readDir(LAUNCHES_DIR)) console.log(launch.name);
 * ```
 */
export const LAUNCHES_DIR: string = Deno.env.get("NNLAB_LAUNCHES_DIR") ||
  join(REPO_ROOT, "data", "launches");

/**
 * One run of a launch; `spec.trainer` is relative to the repository root.
 *
 * @example
 * ```ts
 * const entry: LaunchEntry = {
 *   index: 0,
 *   key: "ab".repeat(32),
 *   study: "adam",
 *   name: "sgd",
 *   spec: { name: "sgd", config: { learningRate: 1e-2 }, trainer: "lib/train/fc.ts" },
 * };
 * ```
 */
export interface LaunchEntry {
  /** Position in the manifest: the Slurm array index that trains it. */
  index: number;
  key: string;
  study: string;
  name: string;
  spec: RunSpec;
}

/**
 * What every array task of a launch reads.
 *
 * @example
 * ```ts
 * const manifest = await readManifest("data/launches/adam-20250101T000000Z/manifest.json");
 * console.log(`${manifest.entries.length} runs of ${manifest.study} on ${manifest.scheduler}`);
 * ```
 */
export interface LaunchManifest {
  format: typeof MANIFEST_FORMAT;
  study: string;
  createdAt: string;
  scheduler: SchedulerName;
  /** Absolute path of the repository; tasks run there. */
  repoRoot: string;
  /** Absolute path of the Deno binary that submitted (`Deno.execPath()`); tasks run it. */
  deno: string;
  /** Absolute path of the run store. */
  runsDir: string;
  /** The backend the runs were keyed with; tasks force it. */
  backend: { name: BackendName; threads?: number };
  /** Train even where the store holds a finished record (`--fresh`). */
  fresh: boolean;
  /** Entries per array task (PBS packing); 1 for Slurm. */
  runsPerTask: number;
  /** CPUs and GPUs one task asked for, to size threads and lanes. */
  cpusPerTask?: number;
  gpus?: number;
  entries: LaunchEntry[];
}

/**
 * A manifest entry for a run, with its trainer made relative to the repository root.
 *
 * @example
 * ```ts
 * import type { RunSpec } from "../record.ts";
 * declare const spec: RunSpec; // spec.trainer: "file:///repo/lib/train/classifier.ts"
 * const entry = launchEntry(0, "ab".repeat(32), "adam", spec); // trainer "lib/train/classifier.ts"
 * ```
 */
export function launchEntry(index: number, key: string, study: string, spec: RunSpec): LaunchEntry {
  const relative = (url: string) => url.startsWith("file:") ? repoPath(url) : url;
  return {
    index,
    key,
    study,
    name: spec.name,
    spec: {
      ...spec,
      trainer: relative(spec.trainer),
      ...(spec.modules ? { modules: spec.modules.map(relative) } : {}),
    },
  };
}

/**
 * The spec of an entry as this host runs it: its trainer as a file URL under `repoRoot`.
 *
 * @example
 * ```ts
 * declare const manifest: LaunchManifest;
 * await import(entrySpec(manifest.entries[0], manifest.repoRoot).trainer);
 * ```
 */
export function entrySpec(entry: LaunchEntry, repoRoot: string): RunSpec {
  const url = (path: string) => pathToFileURL(resolve(repoRoot, path)).href;
  return {
    ...entry.spec,
    trainer: url(entry.spec.trainer),
    ...(entry.spec.modules ? { modules: entry.spec.modules.map(url) } : {}),
  };
}

/**
 * What {@linkcode createLaunch} needs besides the format, the date and the paths.
 *
 * @example
 * ```ts
 * const init: LaunchInit = {
 *   study: "adam",
 *   scheduler: "pbs",
 *   runsDir: "/eagle/project/nnlab/data/runs",
 *   backend: { name: "tensorflow" },
 *   fresh: false,
 *   runsPerTask: 4,
 *   gpus: 4,
 *   entries: [],
 * };
 * ```
 */
export type LaunchInit = Omit<LaunchManifest, "format" | "createdAt" | "repoRoot" | "deno">;

/**
 * Creates a fresh launch folder `<launchesDir>/<study>-<UTC timestamp>` and writes its
 * manifest atomically. Two launches in the same second get different folders.
 *
 * @example
 * ```ts
 * const spec = { name: "sgd", config: { learningRate: 1e-2 }, trainer: "lib/train/fc.ts" };
 * const { dir, manifestPath } = await createLaunch({
 *   study: "adam",
 *   scheduler: "slurm",
 *   runsDir: "/shared/nnlab/data/runs",
 *   backend: { name: "wasm" },
 *   fresh: false,
 *   runsPerTask: 1,
 *   entries: [launchEntry(0, "ab".repeat(32), "adam", spec)],
 * });
 * ```
 */
export async function createLaunch(
  init: LaunchInit,
  launchesDir: string = LAUNCHES_DIR,
  now: Date = new Date(),
): Promise<{ dir: string; manifestPath: string; manifest: LaunchManifest }> {
  const manifest: LaunchManifest = {
    format: MANIFEST_FORMAT,
    createdAt: now.toISOString(),
    repoRoot: REPO_ROOT,
    deno: Deno.execPath(),
    ...init,
    runsDir: resolve(init.runsDir),
  };
  checkManifest(manifest, "manifest");
  await Deno.mkdir(launchesDir, { recursive: true });
  const stamp = now.toISOString().replace(/\.\d+Z$/, "Z").replace(/[-:]/g, "");
  const base = `${init.study.replace(/[^A-Za-z0-9_.-]/g, "-")}-${stamp}`;
  let dir = "";
  for (let attempt = 1;; attempt++) {
    dir = join(launchesDir, attempt === 1 ? base : `${base}-${attempt}`);
    try {
      await Deno.mkdir(dir);
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  const manifestPath = join(dir, "manifest.json");
  await writeFileAtomic(manifestPath, JSON.stringify(manifest, null, 1) + "\n");
  return { dir, manifestPath, manifest };
}

/**
 * Reads and checks a manifest. Throws a {@linkcode TaskError}: `noManifest` (66) when the
 * file cannot be seen from this host, `badManifest` (65) when it is not a launch manifest.
 *
 * @example
 * ```ts
 * const manifest = await readManifest("data/launches/adam-20250101T000000Z/manifest.json");
 * ```
 */
export async function readManifest(path: string): Promise<LaunchManifest> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new TaskError(
      TASK_EXIT.noManifest,
      `cannot read the manifest ${path} on ${Deno.hostname()}: ${firstLine(error)} ` +
        "(a task needs the launch folder at the same path: a shared filesystem)",
    );
  }
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new TaskError(TASK_EXIT.badManifest, `manifest ${path}: not JSON: ${firstLine(error)}`);
  }
  try {
    checkManifest(manifest, `manifest ${path}`);
  } catch (error) {
    throw new TaskError(TASK_EXIT.badManifest, (error as Error).message);
  }
  return manifest;
}

/**
 * The launch folder of a manifest: status files and logs go next to it.
 *
 * @example
 * ```ts
 * launchDirOf("data/launches/adam-20250101T000000Z/manifest.json"); // ".../adam-20250101T000000Z"
 * ```
 */
export function launchDirOf(manifestPath: string): string {
  return dirname(resolve(manifestPath));
}

function checkManifest(value: unknown, where: string): asserts value is LaunchManifest {
  const fail = (field: string, got: unknown, expected: string): never => {
    throw new Error(`${where}: ${field}: got ${describeValue(got)}; expected ${expected}`);
  };
  if (value === null || typeof value !== "object") fail("manifest", value, "an object");
  const m = value as Record<string, unknown>;
  if (m.format !== MANIFEST_FORMAT) fail("format", m.format, JSON.stringify(MANIFEST_FORMAT));
  for (const field of ["study", "createdAt", "repoRoot", "deno", "runsDir"]) {
    if (typeof m[field] !== "string" || m[field] === "") fail(field, m[field], "a string");
  }
  if (m.scheduler !== "slurm" && m.scheduler !== "pbs") {
    fail("scheduler", m.scheduler, '"slurm" or "pbs"');
  }
  const backend = m.backend as Record<string, unknown> | undefined;
  if (!backend || !BACKEND_NAMES.includes(backend.name as BackendName)) {
    fail("backend.name", backend?.name, `one of ${BACKEND_NAMES.join(", ")}`);
  }
  if (backend!.threads !== undefined && !isCount(backend!.threads)) {
    fail("backend.threads", backend!.threads, "an integer >= 1");
  }
  if (typeof m.fresh !== "boolean") fail("fresh", m.fresh, "true or false");
  if (!isCount(m.runsPerTask)) fail("runsPerTask", m.runsPerTask, "an integer >= 1");
  for (const field of ["cpusPerTask", "gpus"]) {
    if (m[field] !== undefined && !isCount(m[field])) fail(field, m[field], "an integer >= 1");
  }
  if (!Array.isArray(m.entries) || m.entries.length === 0) {
    fail("entries", m.entries, "a non-empty list");
  }
  (m.entries as unknown[]).forEach((raw, i) => {
    const entry = (raw ?? {}) as Record<string, unknown>;
    const spec = (entry.spec ?? {}) as Record<string, unknown>;
    if (entry.index !== i) fail(`entries[${i}].index`, entry.index, String(i));
    if (typeof entry.key !== "string" || !/^[0-9a-f]{64}$/.test(entry.key)) {
      fail(`entries[${i}].key`, entry.key, "64 lowercase hex digits");
    }
    if (typeof entry.name !== "string") fail(`entries[${i}].name`, entry.name, "a string");
    if (typeof spec.trainer !== "string" || spec.trainer.startsWith("file:")) {
      fail(`entries[${i}].spec.trainer`, spec.trainer, "a path relative to the repository");
    }
    if (spec.config === null || typeof spec.config !== "object") {
      fail(`entries[${i}].spec.config`, spec.config, "an object");
    }
  });
}

function isCount(value: unknown): boolean {
  return typeof value === "number" && Number.isInteger(value) && value >= 1;
}

function firstLine(error: unknown): string {
  return String((error as Error)?.message ?? error).split("\n")[0];
}
