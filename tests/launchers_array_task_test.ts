/**
 * lib/runs/launchers/array_task.ts, run as a scheduler runs it (a subprocess with the
 * manifest and an index), without a scheduler: what it stores, the status it writes, its
 * exit codes, and a clean stop on the pre-timeout signal.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { describeUnstartedBackend } from "../lib/backend/init.ts";
import { planRuns } from "../lib/runs/runner.ts";
import { RunStore } from "../lib/runs/store.ts";
import { TASK_EXIT } from "../lib/runs/launchers/exit_codes.ts";
import { cacheMisses } from "../lib/runs/launchers/launch.ts";
import { readEntryStatuses } from "../lib/runs/launchers/status.ts";
import {
  CPU,
  quickRun,
  runTask,
  scratch,
  taskCommand,
  waitForFile,
  writeLaunch,
} from "./launchers_helpers.ts";

Deno.test("array task: trains its entry into the store, then serves it to a second task", async () => {
  const where = await scratch("task");
  const specs = [quickRun("a", { learningRate: 0.5 }), quickRun("b", { learningRate: 2 })];
  const { dir, manifestPath, manifest } = await writeLaunch(specs, where);

  const first = await runTask([manifestPath, "1"]);
  assert.equal(first.code, TASK_EXIT.ok, first.stderr);
  const store = new RunStore(where.runsDir);
  const stored = await store.get(manifest.entries[1].key);
  assert.ok(stored.hit, "entry 1 is in the store");
  assert.equal(stored.record.name, "b");
  assert.equal(stored.record.metrics.finalLoss, 4);
  assert.equal((await store.get(manifest.entries[0].key)).hit, false, "task 1 trains entry 1 only");

  let status = (await readEntryStatuses(dir)).get(1)!;
  assert.equal(status.state, "finished");
  assert.equal(status.task, 1);
  assert.equal(status.log, join(dir, "task-1.out"));
  assert.deepEqual(status.metrics, { finalLoss: 4, bestValAcc: 0.25 });

  const second = await runTask([manifestPath, "1"]);
  assert.equal(second.code, TASK_EXIT.ok, second.stderr);
  status = (await readEntryStatuses(dir)).get(1)!;
  assert.equal(status.state, "cached", "the record was there before the task began");
  const again = await store.get(manifest.entries[1].key);
  assert.ok(again.hit);
  assert.equal(again.record.startedAt, stored.record.startedAt, "the record was not rewritten");
});

Deno.test("array task: one line and its own exit code for each thing it cannot use", async () => {
  const where = await scratch("task-errors");
  const { manifestPath } = await writeLaunch([quickRun("a", { learningRate: 1 })], where);
  const cases: { args: string[]; code: number; message: RegExp }[] = [
    {
      args: [join(where.dir, "elsewhere", "manifest.json"), "0"],
      code: TASK_EXIT.noManifest,
      message: /cannot read the manifest .*elsewhere.*shared filesystem/,
    },
    {
      args: [manifestPath, "1"],
      code: TASK_EXIT.usage,
      message: /array task index: got 1; expected an integer in \[0, 0\]/,
    },
    {
      args: [manifestPath, "first"],
      code: TASK_EXIT.usage,
      message: /task index: got "first"; expected an integer >= 0/,
    },
  ];
  for (const { args, code, message } of cases) {
    const result = await runTask(args);
    assert.equal(result.code, code, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.equal(result.stderr.trim().split("\n").length, 1, `one line: ${result.stderr}`);
  }

  await Deno.remove(where.runsDir, { recursive: true });
  const noStore = await runTask([manifestPath, "0"]);
  assert.equal(noStore.code, TASK_EXIT.noStore, noStore.stderr);
  assert.match(noStore.stderr, /cannot see the run store .*runs.*shared filesystem/);
  assert.equal(noStore.stderr.trim().split("\n").length, 1);

  await Deno.writeTextFile(manifestPath, '{"format": "nnlab-launch/0"}');
  const foreign = await runTask([manifestPath, "0"]);
  assert.equal(foreign.code, TASK_EXIT.badManifest, foreign.stderr);
  assert.match(foreign.stderr, /format: got "nnlab-launch\/0"; expected "nnlab-launch\/1"/);
});

Deno.test("array task: refuses an entry whose code changed since the launch", async () => {
  const where = await scratch("task-stale");
  const { dir, manifestPath, manifest } = await writeLaunch(
    [quickRun("a", { learningRate: 1 })],
    where,
  );
  // A key from other code: what the manifest holds after lib/ was edited post-launch.
  manifest.entries[0].key = "0".repeat(64);
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
  const result = await runTask([manifestPath, "0"]);
  assert.equal(result.code, TASK_EXIT.badManifest, result.stderr);
  assert.match(
    result.stderr,
    /"a": the code changed since the launch .*run the study command again/,
  );
  assert.equal((await readEntryStatuses(dir)).get(0)?.state, "failed");
  assert.deepEqual(await new RunStore(where.runsDir).list(), [], "nothing was trained");
});

Deno.test("array task: a key that differs because the backend does names both backends", async () => {
  const where = await scratch("task-backend");
  const spec = quickRun("a", { learningRate: 1 });
  // Keyed with wasm's identity on the submitting host; the task starts cpu as told.
  const wasm = await describeUnstartedBackend("wasm");
  const [run] = await planRuns([spec], wasm);
  const { dir, manifestPath } = await writeLaunch([spec], where, {
    backend: { name: "cpu", identity: run.identity.backend },
  });
  const manifest = JSON.parse(await Deno.readTextFile(manifestPath));
  manifest.entries[0].key = run.key;
  await Deno.writeTextFile(manifestPath, JSON.stringify(manifest));
  const result = await runTask([manifestPath, "0"]);
  assert.equal(result.code, TASK_EXIT.badManifest, result.stderr);
  assert.match(
    result.stderr,
    /"a": the backend here \(@tensorflow\/tfjs-backend-cpu@[\d.]+\) is not the one the runs were keyed with on the submitting host \(@tensorflow\/tfjs-backend-wasm@[\d.]+, kernels [0-9a-f]{12}\); submit from a host where --backend cpu loads as on the compute nodes/,
  );
  assert.equal(result.stderr.trim().split("\n").length, 1, result.stderr);
  assert.equal((await readEntryStatuses(dir)).get(0)?.state, "failed");
});

Deno.test("array task: a failing run exits 1 with a failed status and a failed record", async () => {
  const where = await scratch("task-fail");
  const { dir, manifestPath, manifest } = await writeLaunch(
    [quickRun("broken", { fail: true })],
    where,
  );
  const result = await runTask([manifestPath, "0"]);
  assert.equal(result.code, TASK_EXIT.runFailed, result.stderr);
  const status = (await readEntryStatuses(dir)).get(0)!;
  assert.equal(status.state, "failed");
  assert.match(status.error!, /broken: asked to fail/);
  const store = new RunStore(where.runsDir);
  const lookup = await store.get(manifest.entries[0].key);
  assert.ok(!lookup.hit && lookup.reason === "failed", "a failed record is a cache miss");
  assert.match(lookup.detail!, /broken: asked to fail/);
  assert.equal(await store.claimHolder(manifest.entries[0].key), null, "the claim is released");
});

Deno.test("array task: SIGUSR1 mid-run stops it cleanly; the run stays a cache miss", async () => {
  const where = await scratch("task-signal");
  const started = join(where.dir, "started");
  const spec = quickRun("held", { startedFile: started, holdUntilFile: join(where.dir, "never") });
  const { dir, manifestPath } = await writeLaunch([spec], where);
  const child = taskCommand([manifestPath, "0"]).spawn();
  const output = child.output();
  await waitForFile(started, "the held task", output);
  child.kill("SIGUSR1");
  const result = await output;
  const stderr = new TextDecoder().decode(result.stderr);
  assert.equal(result.code, TASK_EXIT.interrupted, stderr);
  assert.match(stderr, /SIGUSR1: stopped "held" before it ended; .* resubmits it/);
  const status = (await readEntryStatuses(dir)).get(0)!;
  assert.equal(status.state, "interrupted");
  assert.equal(status.error, "stopped by SIGUSR1");
  const store = new RunStore(where.runsDir);
  const [miss] = await cacheMisses([spec], store, await CPU);
  const lookup = await store.get(miss.key);
  assert.ok(!lookup.hit && lookup.reason === "running", "not a result: a rerun submits it");
  assert.equal(lookup.record?.status, "running", "the record written when training began, whole");

  // The stopped task's claim names a dead process: a rerun takes it over at once.
  await Deno.writeTextFile(join(where.dir, "never"), "");
  const rerun = await runTask([manifestPath, "0"]);
  assert.equal(rerun.code, TASK_EXIT.ok, rerun.stderr);
  assert.equal((await readEntryStatuses(dir)).get(0)?.state, "finished");
  assert.ok((await store.get(miss.key)).hit, "the rerun stored the run");
  assert.deepEqual(await cacheMisses([spec], store, await CPU), []);
});

Deno.test("array task: a packed task trains its entries in parallel child processes", async () => {
  const where = await scratch("task-packed");
  const specs = [1, 2, 3].map((rate) => quickRun(`lr ${rate}`, { learningRate: rate }));
  const { dir, manifestPath, manifest } = await writeLaunch(specs, where, {
    scheduler: "pbs",
    runsPerTask: 2,
    cpusPerTask: 2,
  });
  const result = await runTask([manifestPath, "0"]);
  assert.equal(result.code, TASK_EXIT.ok, result.stderr);
  assert.match(result.stdout, /entries 0\.\.1 of launcher-test, 2 at a time, 1 thread\(s\) each/);
  const store = new RunStore(where.runsDir);
  const statuses = await readEntryStatuses(dir);
  for (const index of [0, 1]) {
    const lookup = await store.get(manifest.entries[index].key);
    assert.ok(lookup.hit, `entry ${index} is stored`);
    assert.equal(lookup.record.environment.threads, 1, "the task's 2 CPUs split over 2 runs");
    assert.equal(statuses.get(index)?.state, "finished");
    assert.equal(statuses.get(index)?.task, 0);
    assert.equal(statuses.get(index)?.log, join(dir, `entry-${index}.out`));
    assert.match(await Deno.readTextFile(join(dir, `entry-${index}.out`)), /finished/);
  }
  assert.equal((await store.get(manifest.entries[2].key)).hit, false, "entry 2 is task 1's");
  assert.equal(statuses.has(2), false);
});

Deno.test("array task: SIGTERM to a packed task stops every run it started and starts no other", async () => {
  const where = await scratch("task-packed-signal");
  const never = join(where.dir, "never");
  const specs = [0, 1, 2].map((i) =>
    quickRun(`held ${i}`, { startedFile: join(where.dir, `started-${i}`), holdUntilFile: never })
  );
  // Three entries in one task over two CPUs: two run, the third waits for a free lane.
  const { dir, manifestPath } = await writeLaunch(specs, where, {
    scheduler: "pbs",
    runsPerTask: 3,
    cpusPerTask: 2,
  });
  const child = taskCommand([manifestPath, "0"]).spawn();
  const output = child.output();
  await waitForFile(join(where.dir, "started-0"), "entry 0", output);
  await waitForFile(join(where.dir, "started-1"), "entry 1", output);
  child.kill("SIGTERM"); // as PBS does at the walltime
  const result = await output;
  assert.equal(result.code, TASK_EXIT.interrupted, new TextDecoder().decode(result.stderr));
  const statuses = await readEntryStatuses(dir);
  assert.equal(statuses.get(0)?.error, "stopped by SIGTERM");
  assert.equal(statuses.get(1)?.error, "stopped by SIGTERM");
  assert.equal(statuses.get(2)?.state, "interrupted");
  assert.equal(statuses.get(2)?.error, "not started: the task was stopped by SIGTERM");
  assert.equal(await Deno.stat(join(where.dir, "started-2")).then(() => true, () => false), false);
  assert.equal((await cacheMisses(specs, new RunStore(where.runsDir), await CPU)).length, 3);
});
