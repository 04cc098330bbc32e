/**
 * A fake trainer and a driver script for the run-machinery tests: runs that take a set
 * time, log when they start (to count trainings across processes), and fail on demand.
 * Both live in a scratch folder inside the repository (data/tmp), so run identities
 * cover them like any trainer.
 *
 * @module
 */
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import type { RunSpec } from "../lib/runs/record.ts";
import { repoScratchDir, toFileUrl } from "./paths.ts";

const TRAINER = `
import { scale } from "./helper.ts";
export const trainRun = async (config, context) => {
  const log = Deno.env.get("NNLAB_TEST_LOG");
  if (log) await Deno.writeTextFile(log, \`start \${config.id} \${Deno.pid}\\n\`, { append: true });
  await new Promise((resolve) => setTimeout(resolve, config.ms ?? 0));
  if (config.fail) throw new Error(\`boom: \${config.id} failed on purpose\`);
  const loss = scale(config.value ?? 1);
  return {
    status: "finished",
    history: { lossHistory: [loss], trainAccHistory: [0, 0.5], valAccHistory: [0, 0.25] },
    metrics: { finalLoss: loss, bestValAcc: 0.25 },
    timings: { perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 4 }, iterations: 1 },
  };
};
`;

const DRIVER = `
import { initBackend } from "${toFileUrl(join(REPO_ROOT, "lib/backend/init.ts"))}";
import { executeRuns } from "${toFileUrl(join(REPO_ROOT, "lib/runs/runner.ts"))}";
import { RunStore } from "${toFileUrl(join(REPO_ROOT, "lib/runs/store.ts"))}";
const [storeDir, specsJson, jobs] = Deno.args;
const backend = await initBackend({ backend: "cpu" });
try {
  const outcomes = await executeRuns(JSON.parse(specsJson), {
    study: "fixture", backend, store: new RunStore(storeDir), jobs: Number(jobs), progress: false,
  });
  console.log("RESULT " + JSON.stringify(outcomes.map((o) => [o.record.key, o.cached, o.record.metrics.finalLoss])));
} catch (error) {
  console.log("ERROR " + error.message);
  Deno.exit(1);
}
`;

/** A scratch folder with the fixture trainer, its helper and the driver. */
export interface Fixture {
  dir: string;
  trainer: string;
  storeDir: string;
  /** Where trainers log "start <id> <pid>" lines. */
  log: string;
  specs: (configs: Record<string, unknown>[]) => RunSpec[];
  /** Starts the driver: trains `specs` into the fixture's store with `jobs` workers. */
  drive: (specs: RunSpec[], jobs?: number) => Deno.ChildProcess;
  /** Trainings started, per run id. */
  starts: () => Promise<Record<string, number>>;
  remove: () => Promise<void>;
}

/**
 * Creates a fixture.
 *
 * @example
 * ```ts
 * const fixture = await makeFixture();
 * const child = fixture.drive(fixture.specs([{ id: "a", ms: 100 }]));
 * ```
 */
export async function makeFixture(): Promise<Fixture> {
  const dir = await repoScratchDir("runs_fixture_");
  await Deno.writeTextFile(join(dir, "helper.ts"), "export const scale = (x) => x * 2;\n");
  await Deno.writeTextFile(join(dir, "trainer.ts"), TRAINER);
  await Deno.writeTextFile(join(dir, "driver.ts"), DRIVER);
  const trainer = toFileUrl(join(dir, "trainer.ts"));
  const storeDir = join(dir, "runs");
  const log = join(dir, "starts.log");
  return {
    dir,
    trainer,
    storeDir,
    log,
    specs: (configs) => configs.map((config) => ({ name: String(config.id), config, trainer })),
    drive: (specs, jobs = 1) =>
      new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          "--config",
          join(REPO_ROOT, "deno.json"),
          join(dir, "driver.ts"),
          storeDir,
          JSON.stringify(specs),
          String(jobs),
        ],
        env: { NNLAB_TEST_LOG: log, NO_COLOR: "1" },
        stdout: "piped",
        stderr: "piped",
      }).spawn(),
    starts: async () => {
      const text = await Deno.readTextFile(log).catch(() => "");
      const counts: Record<string, number> = {};
      for (const line of text.split("\n").filter(Boolean)) {
        const id = line.split(" ")[1];
        counts[id] = (counts[id] ?? 0) + 1;
      }
      return counts;
    },
    remove: () => Deno.remove(dir, { recursive: true }),
  };
}

/** Waits until `condition` holds, polling; fails after `timeoutMs`. */
export async function waitFor(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const start = Date.now();
  while (!(await condition())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The driver's output once it ends: its exit code, stdout and stderr. */
export async function finished(child: Deno.ChildProcess) {
  const [status, stdout, stderr] = await Promise.all([
    child.status,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code: status.code, stdout, stderr };
}
