/**
 * lib/runs/launchers/monitor.ts with a scripted engine: progress lines as runs end, and a
 * final report that names each run not in the store with the reason and its log file.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { JobSnapshot, TaskState } from "../lib/runs/launchers/driver.ts";
import { describeTaskState, waitForLaunch } from "../lib/runs/launchers/monitor.ts";
import { type EntryStatus, writeEntryStatus } from "../lib/runs/launchers/status.ts";
import { quickRun, scratch, writeLaunch } from "./launchers_helpers.ts";

const running: TaskState = { state: "RUNNING", active: true };
const pending: TaskState = { state: "PENDING", reason: "JobArrayTaskLimit", active: true };
const completed: TaskState = { state: "COMPLETED", exitCode: 0, active: false };

async function fourRuns() {
  const where = await scratch("monitor");
  const specs = [0, 1, 2, 3].map((i) => quickRun(`run ${i}`, { learningRate: i }));
  const launch = await writeLaunch(specs, where);
  const status = (index: number, fields: Partial<EntryStatus>): EntryStatus => ({
    index,
    key: launch.manifest.entries[index].key,
    name: `run ${index}`,
    state: "started",
    task: index,
    host: "node1",
    pid: 100 + index,
    at: "2025-01-01T00:00:00.000Z",
    log: join(launch.dir, `task-${index}.out`),
    ...fields,
  });
  return { ...launch, status };
}

Deno.test("waitForLaunch: a line per run as it ends, then every run not stored with its log", async () => {
  const { dir, manifest, status } = await fourRuns();
  // Each poll of the engine is a step of the job; the tasks write their status meanwhile.
  const steps: (() => Promise<JobSnapshot>)[] = [
    async () => {
      await writeEntryStatus(dir, status(0, { state: "started" }));
      return {
        known: true,
        tasks: new Map([[0, running], [1, running], [2, pending], [3, pending]]),
      };
    },
    async () => {
      await writeEntryStatus(
        dir,
        status(0, { state: "finished", metrics: { bestValAcc: 0.5 }, seconds: 12 }),
      );
      await writeEntryStatus(dir, status(1, { state: "started" }));
      return {
        known: true,
        tasks: new Map([[0, completed], [1, running], [2, running], [3, pending]]),
      };
    },
    async () => {
      await writeEntryStatus(dir, status(2, { state: "failed", error: '"run 2": asked to fail' }));
      return {
        known: true,
        tasks: new Map<number, TaskState>([
          [0, completed],
          [1, { state: "CANCELLED", exitCode: 0, signal: 9, active: false }],
          [2, { state: "FAILED", exitCode: 1, active: false }],
          [3, { state: "FAILED", exitCode: 66, active: false }],
        ]),
      };
    },
  ];
  let polls = 0;
  const lines: string[] = [];
  const report = await waitForLaunch(
    manifest,
    dir,
    () => steps[Math.min(polls++, steps.length - 1)](),
    {
      engine: "slurm",
      jobId: "5",
      intervalMs: 1,
      log: (line) => lines.push(line),
      taskLog: (task) => join(dir, `task-${task}.out`),
    },
  );
  assert.equal(polls, 3, "it stopped once no task was left to run");
  assert.deepEqual(lines, [
    "slurm job 5: 2 RUNNING, 2 PENDING (JobArrayTaskLimit)",
    '[1/4] "run 0": finished, bestValAcc 0.500 (task 0, 12 s)',
    "slurm job 5: 2 RUNNING, 1 PENDING (JobArrayTaskLimit)",
    '[2/4] "run 2": failed: "run 2": asked to fail (task 2)',
  ]);
  assert.equal(report.abandoned, false);
  assert.deepEqual(report.stored.map((s) => s.index), [0]);
  assert.deepEqual(report.failed, [
    {
      index: 1,
      name: "run 1",
      task: 1,
      why: "started on node1 but ended without a status: CANCELLED, signal 9, exit code 0",
      log: join(dir, "task-1.out"),
    },
    {
      index: 2,
      name: "run 2",
      task: 2,
      why: 'failed: "run 2": asked to fail (slurm: FAILED, exit code 1: the run failed)',
      log: join(dir, "task-2.out"),
    },
    {
      index: 3,
      name: "run 3",
      task: 3,
      why: "never reported: FAILED, exit code 66: the task could not see the manifest or the " +
        "repository (no shared filesystem?)",
      log: join(dir, "task-3.out"),
    },
  ]);
});

Deno.test("waitForLaunch: stops when every run reported, even while the engine still lists tasks", async () => {
  const { dir, manifest, status } = await fourRuns();
  for (const index of [0, 1, 2, 3]) await writeEntryStatus(dir, status(index, { state: "cached" }));
  let polls = 0;
  const report = await waitForLaunch(manifest, dir, () => {
    polls++;
    return Promise.resolve({
      known: true,
      tasks: new Map([[3, { state: "COMPLETING", active: true }]]),
    });
  }, {
    engine: "slurm",
    jobId: "5",
    intervalMs: 1,
    log: () => {},
    taskLog: (t) => `task-${t}.out`,
  });
  assert.equal(polls, 1);
  assert.equal(report.stored.length, 4);
  assert.deepEqual(report.failed, []);
});

Deno.test("waitForLaunch: a job the engine forgot ends the wait; unreported runs say so", async () => {
  const { dir, manifest } = await fourRuns();
  const report = await waitForLaunch(
    manifest,
    dir,
    () => Promise.resolve({ known: false, tasks: new Map() }),
    {
      engine: "pbs",
      jobId: "9[].pbs",
      intervalMs: 1,
      log: () => {},
      taskLog: (t) => `task-${t}.out`,
    },
  );
  assert.equal(report.failed.length, 4);
  assert.equal(report.failed[0].why, "never reported, and pbs no longer knows the task");
  assert.equal(report.failed[0].log, "task-0.out");
});

Deno.test("waitForLaunch: an engine that cannot answer is retried, then Ctrl-C abandons the wait", async () => {
  const { dir, manifest } = await fourRuns();
  const lines: string[] = [];
  const stop = new AbortController();
  let polls = 0;
  const report = await waitForLaunch(manifest, dir, () => {
    if (++polls === 3) stop.abort();
    return Promise.reject(new Error("scontrol show job 5: Unable to contact slurm controller"));
  }, {
    engine: "slurm",
    jobId: "5",
    intervalMs: 1,
    log: (line) => lines.push(line),
    signal: stop.signal,
    taskLog: (t) => `task-${t}.out`,
  });
  assert.equal(report.abandoned, true);
  assert.equal(polls, 3);
  assert.deepEqual(lines, [
    "slurm: scontrol show job 5: Unable to contact slurm controller; still waiting",
  ], "the same error is said once");
});

Deno.test("describeTaskState: the engine's words, and what the task's exit code means", () => {
  assert.equal(
    describeTaskState({
      state: "TIMEOUT",
      reason: "TimeLimit",
      exitCode: 0,
      signal: 15,
      active: false,
    }),
    "TIMEOUT, TimeLimit, signal 15, exit code 0",
  );
  assert.equal(
    describeTaskState({ state: "FAILED", exitCode: 75, active: false }),
    "FAILED, exit code 75: stopped by a signal before the run ended",
  );
  assert.equal(describeTaskState({ state: "COMPLETED", exitCode: 0, active: false }), "COMPLETED");
});
