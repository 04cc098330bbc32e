/**
 * Parallel sweeps: `--jobs 2` gives the records `--jobs 1` gives; a sweep interrupted by
 * Ctrl-C (SIGINT to its process group) keeps its finished runs and the next invocation
 * trains only the rest; a worker that crashes loses only its own run.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { RunStore } from "../lib/runs/store.ts";
import { REPO_ROOT } from "../lib/files.ts";
import type { RunRecord } from "../lib/runs/record.ts";
import type { RunSpec } from "../lib/runs/record.ts";
import type { WorkerJob } from "../lib/runs/worker_protocol.ts";
import { sendJob } from "../lib/runs/pool.ts";
import { executeRuns } from "../lib/runs/runner.ts";
import { useTestBackend } from "./helpers.ts";
import { repoScratchDir, toFileUrl } from "./paths.ts";

const backend = await useTestBackend();
const work = await Deno.makeTempDir({ prefix: "nnlab-jobs-" });
const STUDY = join(REPO_ROOT, "experiments", "weight_scale.ts");

function sweepCommand(runsDir: string, jobs: number, detached = false) {
  return new Deno.Command(Deno.execPath(), {
    // One thread either way: on native the thread count is part of a run's key.
    args: [
      ...["run", "-A", STUDY, "--quick", "--jobs", String(jobs), "--threads", "1"],
      ...["--out", `${runsDir}.html`],
    ],
    env: { NNLAB_RUNS_DIR: runsDir, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
    detached,
  });
}

async function sweep(runsDir: string, jobs: number) {
  const out = await sweepCommand(runsDir, jobs).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return text;
}

/** What must not depend on how runs were spread over processes. */
function results(records: RunRecord[]) {
  return Object.fromEntries(
    records.map((
      r,
    ) => [r.key, {
      name: r.name,
      config: r.config,
      status: r.status,
      history: r.history,
      metrics: r.metrics,
    }]),
  );
}

Deno.test("--jobs 2 gives the same records as --jobs 1 (one thread each), with done/total and ETA progress", async () => {
  const serial = join(work, "serial");
  const parallel = join(work, "parallel");
  const serialLog = await sweep(serial, 1);
  const parallelLog = await sweep(parallel, 2);
  const a = await new RunStore(serial).list();
  const b = await new RunStore(parallel).list();
  assert.equal(a.length, 6, "3 weight scales x {baseline, batchnorm} in --quick mode");
  assert.deepEqual(results(b), results(a));
  assert.ok(b.every((r) => r.environment.threads === 1), "one backend thread per worker");
  for (const log of [serialLog, parallelLog]) {
    assert.match(log, /weight_scale: 0 of 6 runs cached, 6 to train/);
    assert.match(log, /^\[1\/6\] .* in [\d.]+ s, ETA [\d.]+ s$/m);
    assert.match(log, /^\[6\/6\] /m);
  }
});

Deno.test("Ctrl-C mid-sweep keeps finished runs; the next invocation trains only the rest", async () => {
  const runsDir = join(work, "interrupted");
  const child = sweepCommand(runsDir, 2, true).spawn();
  let log = "";
  const stderr = new Response(child.stderr).text();
  let interrupted = false;
  for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
    log += chunk;
    if (!interrupted && /^\[1\/6\]/m.test(log)) {
      Deno.kill(-child.pid, "SIGINT"); // the whole process group, as a terminal's Ctrl-C
      interrupted = true;
    }
  }
  const status = await child.status;
  assert.ok(interrupted, `the sweep ended before it could be interrupted:\n${log}`);
  assert.equal(status.code, 130, await stderr);
  assert.match(
    log,
    /weight_scale: SIGINT: \d of 6 runs trained and stored .*run the same command again to resume/,
  );

  const kept = await new RunStore(runsDir).list();
  assert.ok(kept.length >= 1 && kept.length < 6, `${kept.length} finished runs kept`);
  const again = await sweep(runsDir, 2);
  assert.match(again, new RegExp(`${kept.length} of 6 runs cached, ${6 - kept.length} to train`));
  const all = await new RunStore(runsDir).list();
  assert.equal(all.length, 6);
  for (const record of kept) {
    const now = all.find((r) => r.key === record.key)!;
    assert.equal(now.startedAt, record.startedAt, `${record.name} was not recomputed`);
  }
});

const CRASHING_TRAINER = `
export const trainRun = (config) => {
  if (config.crash && Deno.env.get("NNLAB_TEST_CRASH") === "1") Deno.exit(3);
  return Promise.resolve({
    status: "finished",
    history: { lossHistory: [config.value], trainAccHistory: [0], valAccHistory: [0] },
    metrics: { finalLoss: config.value },
    timings: { perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 }, iterations: 1 },
  });
};
`;

Deno.test("a crashed worker loses only its run; the next invocation trains only that one", async () => {
  const dir = await repoScratchDir("jobs_test_");
  try {
    await Deno.writeTextFile(join(dir, "trainer.ts"), CRASHING_TRAINER);
    const trainer = toFileUrl(join(dir, "trainer.ts"));
    const specs: RunSpec[] = ["a", "b", "c"].map((name, i) => ({
      name,
      config: { value: i, crash: name === "b" },
      trainer,
    }));
    const store = new RunStore(join(dir, "runs"));
    const lines: string[] = [];
    const options = {
      study: "jobs-test",
      backend,
      store,
      jobs: 2,
      log: (line: string) => lines.push(line),
    };
    Deno.env.set("NNLAB_TEST_CRASH", "1");
    try {
      await assert.rejects(
        executeRuns(specs, options),
        /1 run\(s\) failed in workers \(every other run is stored[^]*run "b": .*exit code 3/,
      );
    } finally {
      Deno.env.delete("NNLAB_TEST_CRASH");
    }
    assert.deepEqual((await store.list()).map((r) => r.name).sort(), ["a", "c"]);
    const outcomes = await executeRuns(specs, options);
    assert.ok(lines.includes("jobs-test: 2 of 3 runs cached, 1 to train"), lines.join("\n"));
    assert.deepEqual(outcomes.map((o) => o.cached), [true, false, true]);
    assert.equal(outcomes[1].record.metrics.finalLoss, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a job sent to a worker already gone is left to the worker's exit status; other write errors throw", async () => {
  // A worker killed with the process group (Ctrl-C) right after it was spawned: the write
  // of its job hits a closed pipe, which must not crash the parent before its handler runs.
  const gone = new Deno.Command(Deno.execPath(), { args: ["eval", ""], stdin: "piped" }).spawn();
  assert.equal((await gone.status).code, 0);
  const job = { study: "jobs-test" } as unknown as WorkerJob;
  const writer = gone.stdin.getWriter();
  await sendJob(writer, job); // a broken pipe: dropped
  await writer.close().catch(() => {});
  // A write the pool got wrong (here, to a pipe it closed itself) still fails.
  const live = new Deno.Command(Deno.execPath(), { args: ["eval", ""], stdin: "piped" }).spawn();
  const closed = live.stdin.getWriter();
  await closed.close();
  await assert.rejects(sendJob(closed, job), TypeError);
  await live.status;
});

globalThis.addEventListener("unload", () => Deno.removeSync(work, { recursive: true }));
