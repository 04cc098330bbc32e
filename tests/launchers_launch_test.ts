/**
 * lib/runs/launchers/launch.ts with a stand-in for the engine's commands: what is written,
 * what is submitted in which order, and the one-line refusals.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { CommandRunner } from "../lib/runs/launchers/driver.ts";
import { cacheMisses, launchRuns, type PendingRun } from "../lib/runs/launchers/launch.ts";
import { readManifest } from "../lib/runs/launchers/manifest.ts";
import { RunStore } from "../lib/runs/store.ts";
import { CPU, keysOf, plainOptions, quickRun, runTask, scratch } from "./launchers_helpers.ts";

async function pending(rates: number[]): Promise<PendingRun[]> {
  const specs = rates.map((rate) => quickRun(`lr ${rate}`, { learningRate: rate }));
  const keys = await keysOf(specs);
  return specs.map((spec, i) => ({ spec, key: keys[i] }));
}

/** A folder with an executable of each given name, to stand for PATH. */
async function fakePath(dir: string, names: string[]): Promise<string> {
  const bin = join(dir, "bin");
  await Deno.mkdir(bin, { recursive: true });
  for (const name of names) {
    await Deno.writeTextFile(join(bin, name), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  }
  return bin;
}

/** Records each command and answers sbatch with job ids 100, 101, ... */
function fakeSlurm() {
  const calls: string[][] = [];
  let next = 100;
  const run: CommandRunner = (command, args) => {
    calls.push([command, ...args]);
    return Promise.resolve({ code: 0, stdout: `${next++}\n`, stderr: "" });
  };
  return { calls, run };
}

Deno.test("launchRuns: writes the manifest and script, submits the array, then the figure job", async () => {
  const where = await scratch("launch");
  const runs = await pending([1, 2, 3]);
  const slurm = fakeSlurm();
  const lines: string[] = [];
  const outcome = await launchRuns({
    study: "weight_scale",
    runs,
    options: plainOptions("slurm", { partition: "gpu", maxConcurrent: 2 }),
    backend: { name: "cpu" },
    runsDir: join(where.dir, "new-store"),
    figureCommand: ["experiments/weight_scale.ts", "--quick", "--launcher", "local"],
    studyCommand: "deno run -A experiments/weight_scale.ts --quick --launcher slurm",
    launchesDir: where.launchesDir,
    run: slurm.run,
    path: await fakePath(where.dir, ["sbatch"]),
    log: (line) => lines.push(line),
  });
  assert.equal(outcome.complete, false, "the runs are not trained yet");
  assert.equal(outcome.jobId, "100");
  assert.equal(outcome.figureJobId, "101");
  const dir = outcome.launchDir!;
  assert.deepEqual(slurm.calls, [
    ["sbatch", "--parsable", join(dir, "job.sh")],
    ["sbatch", "--parsable", join(dir, "figure.sh")],
  ]);
  const manifest = await readManifest(outcome.manifestPath!);
  assert.deepEqual(manifest.entries.map((entry) => entry.key), runs.map((run) => run.key));
  assert.equal(manifest.runsDir, join(where.dir, "new-store"));
  assert.ok((await Deno.stat(manifest.runsDir)).isDirectory, "the store exists before any task");
  assert.match(await Deno.readTextFile(join(dir, "job.sh")), /^#SBATCH --array=0-2%2$/m);
  const figure = await Deno.readTextFile(join(dir, "figure.sh"));
  assert.match(figure, /^#SBATCH --dependency=afterok:100$/m);
  assert.match(figure, /experiments\/weight_scale.ts --quick --launcher local\n/);
  assert.ok(
    lines.some((line) =>
      /slurm: submitted job 100: 3 run\(s\) of weight_scale in 3 array task\(s\) \(partition gpu, at most 2 tasks at once\); logs and status in /
        .test(line)
    ),
  );
  assert.ok(lines.some((line) => /job 101 draws the figure once every task succeeded/.test(line)));
  assert.ok(
    lines.includes(
      "weight_scale: once job 100 has ended, the same command draws the figure from the store " +
        "(submitting only runs still missing): deno run -A experiments/weight_scale.ts --quick " +
        "--launcher slurm; scancel 100 stops the job",
    ),
    lines.join("\n"),
  );
});

Deno.test("launchRuns: --dry-run writes the launch and prints the script; nothing is submitted", async () => {
  const where = await scratch("launch-dry");
  const slurm = fakeSlurm();
  const lines: string[] = [];
  const outcome = await launchRuns({
    study: "adam",
    runs: await pending([1]),
    options: plainOptions("slurm", { dryRun: true }),
    backend: { name: "cpu" },
    runsDir: where.runsDir,
    launchesDir: where.launchesDir,
    run: slurm.run,
    path: "",
    log: (line) => lines.push(line),
  });
  assert.deepEqual(slurm.calls, [], "no sbatch needed, none called");
  assert.equal(outcome.complete, false);
  const script = await Deno.readTextFile(outcome.scriptPath!);
  assert.equal(lines[0], script);
  assert.match(
    lines[1],
    /^dry run: nothing submitted; 1 run\(s\) of adam .*; submit with: sbatch .*job\.sh$/,
  );
  // The written launch is complete: its task trains the run as a submitted one would.
  const task = await runTask([outcome.manifestPath!, "0"]);
  assert.equal(task.code, 0, task.stderr);
});

Deno.test("launchRuns: without the engine on PATH, one line that says what to do", async () => {
  const where = await scratch("launch-nopath");
  for (const [launcher, command] of [["slurm", "sbatch"], ["pbs", "qsub"]] as const) {
    await assert.rejects(
      () =>
        launchRuns({
          study: "adam",
          runs: [{ spec: quickRun("a", {}), key: "ab".repeat(32) }],
          options: plainOptions(launcher),
          backend: { name: "cpu" },
          runsDir: where.runsDir,
          launchesDir: where.launchesDir,
          path: join(where.dir, "empty-bin"),
        }),
      {
        message: `--launcher ${launcher}: ${command} is not on PATH; run this on a ` +
          `${launcher === "slurm" ? "Slurm" : "PBS"} login node, or use --launcher local ` +
          "(--dry-run writes the job script without submitting)",
      },
    );
  }
  const written = await Deno.stat(where.launchesDir).then(() => true, () => false);
  assert.equal(written, false, "nothing was written");
});

Deno.test("launchRuns: nothing to run is complete at once; Slurm takes one run per task", async () => {
  const where = await scratch("launch-none");
  const request = {
    study: "adam",
    backend: { name: "cpu" as const },
    runsDir: where.runsDir,
    launchesDir: where.launchesDir,
    path: "",
    log: () => {},
  };
  const outcome = await launchRuns({ ...request, runs: [], options: plainOptions("slurm") });
  assert.deepEqual(outcome, { complete: true });
  const runs = await pending([1]);
  await assert.rejects(
    () =>
      launchRuns({
        ...request,
        runs,
        options: plainOptions("slurm", { runsPerTask: 2, dryRun: true }),
      }),
    { message: "runs per task: got 2; expected 1 with Slurm" },
  );
});

Deno.test("cacheMisses: the runs the store cannot serve, each key once; --fresh takes all", async () => {
  const where = await scratch("misses");
  const specs = [1, 2, 1].map((rate, i) => quickRun(`run ${i}`, { learningRate: rate }));
  const store = new RunStore(where.runsDir);
  const before = await cacheMisses(specs, store, await CPU);
  assert.deepEqual(before.map((miss) => miss.spec.name), ["run 0", "run 1"], "run 2 is run 0");
  // Train run 1 the way a task does, then ask again.
  const outcome = await launchRuns({
    study: "misses",
    runs: [before[1]],
    options: plainOptions("slurm", { dryRun: true }),
    backend: { name: "cpu" },
    runsDir: where.runsDir,
    launchesDir: where.launchesDir,
    log: () => {},
  });
  assert.equal((await runTask([outcome.manifestPath!, "0"])).code, 0);
  assert.deepEqual((await cacheMisses(specs, store, await CPU)).map((miss) => miss.spec.name), [
    "run 0",
  ]);
  assert.deepEqual(
    (await cacheMisses(specs, store, await CPU, true)).map((miss) => miss.spec.name),
    ["run 0", "run 1"],
  );
});
