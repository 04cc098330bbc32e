/**
 * Shared set-up of the launcher tests: runs of the quick trainer of
 * tests/fixtures/launch_trainer.ts, launches of them in a temporary folder, and the array
 * task as a subprocess.
 *
 * @module
 */
import { join } from "node:path";
import { describeUnstartedBackend } from "../lib/backend/init.ts";
import type { BackendInfo } from "../lib/backend/info.ts";
import { REPO_ROOT } from "../lib/files.ts";
import type { RunSpec } from "../lib/runs/record.ts";
import { planRuns } from "../lib/runs/runner.ts";
import { createLaunch, launchEntry, type LaunchManifest } from "../lib/runs/launchers/manifest.ts";
import type { LauncherOptions } from "../lib/runs/launchers/options.ts";
import { toFileUrl } from "./paths.ts";

/** The trainer module of the launcher tests, as a file URL. */
export const QUICK_TRAINER: string = toFileUrl(
  join(REPO_ROOT, "tests", "fixtures", "launch_trainer.ts"),
);

/**
 * The cpu backend as the launcher tests key their runs; the array tasks start cpu and must
 * find the same keys.
 */
export const CPU: Promise<BackendInfo> = describeUnstartedBackend("cpu");

/** The keys of `specs` on the cpu backend, as a study computes them. */
export async function keysOf(specs: RunSpec[]): Promise<string[]> {
  return (await planRuns(specs, await CPU)).map((run) => run.key);
}

/** A run of the quick trainer. */
export function quickRun(name: string, config: Record<string, unknown>): RunSpec {
  return { name, config, trainer: QUICK_TRAINER };
}

let scratchRoot: string | undefined;

/**
 * A scratch folder holding a run store (`runs/`) and launch folders (`launches/`), inside
 * one temporary folder per test process that is removed when the process ends.
 */
export async function scratch(prefix: string): Promise<{
  dir: string;
  runsDir: string;
  launchesDir: string;
}> {
  if (!scratchRoot) {
    const root = scratchRoot = await Deno.makeTempDir({ prefix: "nnlab-launchers-" });
    globalThis.addEventListener("unload", () => Deno.removeSync(root, { recursive: true }));
  }
  const dir = await Deno.makeTempDir({ dir: scratchRoot, prefix: `${prefix}-` });
  const runsDir = join(dir, "runs");
  await Deno.mkdir(runsDir);
  return { dir, runsDir, launchesDir: join(dir, "launches") };
}

/** Writes a launch of `specs` (keys computed as the runner does) and returns it. */
export async function writeLaunch(
  specs: RunSpec[],
  where: { runsDir: string; launchesDir: string },
  overrides: Partial<LaunchManifest> = {},
): Promise<{ dir: string; manifestPath: string; manifest: LaunchManifest }> {
  const keys = await keysOf(specs);
  return createLaunch({
    study: "launcher-test",
    scheduler: "slurm",
    runsDir: where.runsDir,
    backend: { name: "cpu" },
    fresh: false,
    runsPerTask: 1,
    entries: specs.map((spec, i) => launchEntry(i, keys[i], "launcher-test", spec)),
    ...overrides,
  }, where.launchesDir);
}

/** The array task's command for `args`, from the repository root. */
export function taskCommand(args: string[], env: Record<string, string> = {}): Deno.Command {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", join(REPO_ROOT, "lib", "runs", "launchers", "array_task.ts"), ...args],
    cwd: REPO_ROOT,
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  });
}

/** Runs the array task to its end. */
export async function runTask(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const output = await taskCommand(args, env).output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: output.code, stdout: text(output.stdout), stderr: text(output.stderr) };
}

/** Resolves once `path` exists, polling; rejects with `what` if `child` ends first. */
export async function waitForFile(path: string, what: string, ended?: Promise<unknown>) {
  let done = false;
  ended?.then(() => (done = true));
  while (!(await Deno.stat(path).then(() => true, () => false))) {
    if (done) throw new Error(`${what}: ended before ${path} appeared`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Launcher options as `--launcher <scheduler>` with nothing else would give. */
export function plainOptions(
  launcher: "slurm" | "pbs",
  extra: Partial<LauncherOptions> = {},
): LauncherOptions {
  return { launcher, schedulerArgs: [], runsPerTask: 1, wait: false, dryRun: false, ...extra };
}

/**
 * A stand-in for the Deno binary that records the folder it runs in, its arguments (one
 * per line) and `NNLAB_RUNS_DIR` into `<dir>/stub-call.txt`, for testing job scripts.
 */
export async function stubDeno(dir: string): Promise<{ path: string; calls: string }> {
  const path = join(dir, "deno-stub");
  const calls = join(dir, "stub-call.txt");
  await Deno.writeTextFile(
    path,
    [
      "#!/bin/bash",
      `{ echo "cwd=$PWD"; echo "runs=\${NNLAB_RUNS_DIR:-}"; printf '%s\\n' "$@"; } > '${calls}'`,
      "",
    ].join("\n"),
    { mode: 0o755 },
  );
  return { path, calls };
}
