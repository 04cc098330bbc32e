/**
 * The run store under faults, with real processes: two studies started together train
 * each run once; killing the process that trains a run lets another take it over;
 * workers die with their parent; a worker's error reaches the user as its message.
 */
import assert from "node:assert/strict";
import { RunStore } from "../lib/runs/store.ts";
import { finished, makeFixture, waitFor } from "./runs_fixture.ts";

Deno.test("two processes on one empty store train every run exactly once", async () => {
  const fixture = await makeFixture();
  try {
    const specs = fixture.specs(["a", "b", "c", "d"].map((id) => ({ id, ms: 300, value: 1 })));
    const [first, second] = await Promise.all([
      finished(fixture.drive(specs)),
      finished(fixture.drive(specs)),
    ]);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    assert.equal(second.code, 0, second.stdout + second.stderr);
    assert.deepEqual(await fixture.starts(), { a: 1, b: 1, c: 1, d: 1 }, "one training per run");
    const records = await new RunStore(fixture.storeDir).list();
    assert.equal(records.length, 4);
    assert.ok(records.every((r) => r.status === "finished"));
    const result = (out: string) => JSON.parse(out.split("RESULT ")[1]) as [string, boolean][];
    const keys = (out: string) => result(out).map(([key]) => key);
    assert.deepEqual(keys(first.stdout), keys(second.stdout), "both serve the same records");
    const servedByOther = [...result(first.stdout), ...result(second.stdout)]
      .filter(([, cached]) => cached).length;
    assert.equal(servedByOther, 4, "each run trained in one process and served to the other");
  } finally {
    await fixture.remove();
  }
});

Deno.test("kill -9 of the process training a run lets a waiting process take it over", async () => {
  const fixture = await makeFixture();
  try {
    const specs = fixture.specs([{ id: "slow", ms: 1_500, value: 3 }]);
    const holder = fixture.drive(specs);
    await waitFor(async () => (await fixture.starts()).slow === 1, "the first training to start");
    const waiter = fixture.drive(specs);
    const lines = waiter.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let stdout = "";
    while (!/waiting for it/.test(stdout)) {
      const { value, done } = await lines.read();
      if (done) break;
      stdout += value;
    }
    assert.match(stdout, /slow: being trained by pid \d+; waiting for it/);
    holder.kill("SIGKILL");
    await finished(holder);
    for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) {
      stdout += chunk.value;
    }
    const status = await waiter.status;
    await waiter.stderr.cancel();
    assert.equal(status.code, 0, stdout);
    assert.deepEqual(await fixture.starts(), { slow: 2 }, "the waiter trained it after the kill");
    const [record] = await new RunStore(fixture.storeDir).list();
    assert.equal(record.status, "finished");
    assert.equal(record.metrics.finalLoss, 6);
    const leftovers = [...Deno.readDirSync(fixture.storeDir)].map((e) => e.name)
      .filter((name) => !name.endsWith(".json"));
    assert.deepEqual(leftovers, [], "no claim or temporary file is left behind");
  } finally {
    await fixture.remove();
  }
});

Deno.test("worker processes exit when their parent is killed", async () => {
  const fixture = await makeFixture();
  try {
    const specs = fixture.specs([{ id: "x", ms: 30_000 }, { id: "y", ms: 30_000 }]);
    const parent = fixture.drive(specs, 2);
    await waitFor(async () => {
      const counts = await fixture.starts();
      return counts.x === 1 && counts.y === 1;
    }, "both workers to start training");
    const workers = (await Deno.readTextFile(fixture.log)).trim().split("\n")
      .map((line) => Number(line.split(" ")[2]));
    assert.equal(workers.length, 2);
    parent.kill("SIGKILL");
    await finished(parent);
    const alive = (pid: number) => {
      try {
        // deno-lint-ignore no-explicit-any
        const state = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1][0] as any;
        return state !== "Z";
      } catch {
        return false;
      }
    };
    await waitFor(
      () => Promise.resolve(workers.every((pid) => !alive(pid))),
      "workers to exit",
      5_000,
    );
  } finally {
    await fixture.remove();
  }
});

Deno.test("a run failing in a worker is reported with its own message, not stack frames", async () => {
  const fixture = await makeFixture();
  try {
    const specs = fixture.specs([{ id: "good" }, { id: "bad", fail: true }]);
    const out = await finished(fixture.drive(specs, 2));
    assert.equal(out.code, 1);
    assert.match(
      out.stdout,
      /1 run\(s\) failed in workers[^]*run "bad": run "bad" failed: boom: bad failed on purpose/,
    );
    // deno-lint-ignore no-control-regex
    assert.doesNotMatch(out.stdout, /\u001b\[| {4}at /, "no colour codes, no stack frames");
    const store = new RunStore(fixture.storeDir);
    assert.deepEqual((await store.list()).map((r) => r.name), ["good"]);
  } finally {
    await fixture.remove();
  }
});
