/**
 * The runner: serves stored runs, trains the rest, and says in one line why each run
 * that had a record before trains again, which runs are new, and which had only a
 * record of an older format (counting only the runs trained now).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { initBackend } from "../lib/backend/init.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { executeRuns } from "../lib/runs/runner.ts";
import { RunStore } from "../lib/runs/store.ts";
import { finished, makeFixture } from "./runs_fixture.ts";

const backend = await initBackend();

/** Runs `fn` with the fixture's start log as the trainers' log. */
async function withFixture(
  fn: (fixture: Awaited<ReturnType<typeof makeFixture>>) => Promise<void>,
) {
  const fixture = await makeFixture();
  Deno.env.set("NNLAB_TEST_LOG", fixture.log);
  try {
    await fn(fixture);
  } finally {
    Deno.env.delete("NNLAB_TEST_LOG");
    await fixture.remove();
  }
}

Deno.test("a miss trains, a hit is served, a changed setting retrains only its run, and says so", async () => {
  await withFixture(async (fixture) => {
    const store = new RunStore(fixture.storeDir);
    const lines: string[] = [];
    const options = {
      study: "runner-test",
      backend,
      store,
      progress: false,
      log: (l: string) => lines.push(l),
    };
    const first = await executeRuns(
      fixture.specs([{ id: "a", value: 1 }, { id: "b", value: 2 }]),
      options,
    );
    assert.deepEqual(first.map((o) => o.cached), [false, false]);
    assert.equal(first[1].record.metrics.finalLoss, 4);
    assert.ok(lines.includes("runner-test: 0 of 2 runs cached, 2 to train"), lines.join("\n"));
    assert.ok(
      lines.includes("runner-test: 2 new runs (a, b): no stored run of these names"),
      lines.join("\n"),
    );

    const again = await executeRuns(
      fixture.specs([{ id: "a", value: 1 }, { id: "b", value: 2 }]),
      options,
    );
    assert.deepEqual(again.map((o) => o.cached), [true, true]);
    assert.deepEqual(again[1].record, first[1].record);

    lines.length = 0;
    await executeRuns(fixture.specs([{ id: "a", value: 1 }, { id: "b", value: 3 }]), options);
    assert.ok(
      lines.includes('runner-test: retraining "b": new settings (value)'),
      lines.join("\n"),
    );
    assert.deepEqual(await fixture.starts(), { a: 1, b: 2 }, "only the changed run trained");

    await executeRuns(fixture.specs([{ id: "a", value: 1 }]), { ...options, fresh: true });
    assert.deepEqual(await fixture.starts(), { a: 2, b: 2 }, "--fresh trains again");
  });
});

Deno.test("editing a module the trainer imports retrains; a comment or an unrelated file does not", async () => {
  const fixture = await makeFixture();
  try {
    const specs = fixture.specs([{ id: "a", value: 1 }]);
    const run = async () => {
      const out = await finished(fixture.drive(specs));
      assert.equal(out.code, 0, out.stdout + out.stderr);
      return { result: JSON.parse(out.stdout.split("RESULT ")[1]), log: out.stdout };
    };
    assert.deepEqual((await run()).result.map((r: unknown[]) => r.slice(1)), [[false, 2]]);
    const helper = join(fixture.dir, "helper.ts");
    await Deno.writeTextFile(helper, "// doubles\nexport const scale = (x) =>\n  x * 2;\n");
    await Deno.writeTextFile(join(fixture.dir, "unrelated.ts"), "export const u = 1;\n");
    assert.deepEqual((await run()).result.map((r: unknown[]) => r.slice(1)), [[true, 2]]);
    await Deno.writeTextFile(helper, "export const scale = (x) => x * 5;\n");
    const edited = await run();
    assert.deepEqual(edited.result.map((r: unknown[]) => r.slice(1)), [[false, 5]]);
    assert.match(
      edited.log,
      /retraining "a": code changed: data\/tmp\/runs_fixture_\w+\/helper\.ts/,
    );
  } finally {
    await fixture.remove();
  }
});

Deno.test("a torn record or one of an older format is reported and recomputed", async () => {
  await withFixture(async (fixture) => {
    const store = new RunStore(fixture.storeDir);
    const lines: string[] = [];
    const options = {
      study: "runner-test",
      backend,
      store,
      progress: false,
      log: (l: string) => lines.push(l),
    };
    const specs = fixture.specs([{ id: "a", value: 7 }]);
    const [outcome] = await executeRuns(specs, options);
    const path = store.pathOf(outcome.record.key);
    await Deno.writeTextFile(path, (await Deno.readTextFile(path)).slice(0, 40));
    await executeRuns(specs, options);
    assert.ok(lines.some((l) => /store: .* is torn \(.*\); recomputing/.test(l)), lines.join("\n"));
    assert.ok((await store.get(outcome.record.key)).hit, "the recomputed record is stored");

    // Records of an older format: "a" under its key now, "b" under a key of the older
    // identity, "z" of a run not trained now; "c" has none.
    const older = { ...JSON.parse(await Deno.readTextFile(path)), format: "nnlab-run/2" };
    await Deno.writeTextFile(path, JSON.stringify(older));
    const elsewhere = (digit: string) => join(store.dir, `${digit.repeat(64)}.json`);
    await Deno.writeTextFile(elsewhere("0"), JSON.stringify({ ...older, name: "b" }));
    await Deno.writeTextFile(elsewhere("1"), JSON.stringify({ ...older, name: "z" }));
    lines.length = 0;
    await executeRuns(
      fixture.specs([{ id: "a", value: 7 }, { id: "b", value: 7 }, { id: "c", value: 7 }]),
      options,
    );
    assert.deepEqual(lines.slice(0, 2), [
      'runner-test: new run "c": no stored run of this name',
      "runner-test: retraining 2 runs (a, b): stored in an older nnlab record format " +
      "(recomputed once under the current run identity)",
    ]);
    // Retrained once: the older records are not counted again on later misses.
    lines.length = 0;
    await executeRuns(fixture.specs([{ id: "a", value: 8 }]), options);
    assert.deepEqual(lines.slice(0, 2), [
      'runner-test: retraining "a": new settings (value)',
      "runner-test: 0 of 1 runs cached, 1 to train",
    ]);
  });
});

Deno.test("a failing trainer leaves a failed record, names the run, and is retried next time", async () => {
  await withFixture(async (fixture) => {
    const store = new RunStore(fixture.storeDir);
    const options = { study: "runner-test", backend, store, progress: false, log: () => {} };
    const specs = fixture.specs([{ id: "bad", fail: true }]);
    await assert.rejects(
      executeRuns(specs, options),
      /run "bad" failed: boom: bad failed on purpose/,
    );
    assert.deepEqual(await store.list(), [], "a failed record is not served");
    const [file] = [...Deno.readDirSync(store.dir)].filter((e) => e.name.endsWith(".json"));
    const stored = JSON.parse(await Deno.readTextFile(join(store.dir, file.name)));
    assert.equal(stored.status, "failed");
    assert.match(stored.error, /boom/);
    await assert.rejects(executeRuns(specs, options));
    assert.deepEqual(await fixture.starts(), { bad: 2 }, "a failed run trains again");
  });
});

Deno.test("writeFileAtomic replaces the file whole and leaves no temporary file", async () => {
  const dir = await Deno.makeTempDir();
  const path = join(dir, "x.json");
  await writeFileAtomic(path, "old");
  await writeFileAtomic(path, "new");
  assert.equal(await Deno.readTextFile(path), "new");
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["x.json"]);
  await Deno.remove(dir, { recursive: true });
});
