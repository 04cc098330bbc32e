import assert from "node:assert/strict";
import { join } from "node:path";
import { toFileUrl } from "./paths.ts";
import { canonicalJson, RunCache, runKey } from "../lib/runs/store.ts";
import { writeFileAtomic } from "../lib/files.ts";
import { localModuleGraph, sourceDigest } from "../lib/runs/source_graph.ts";
import { REPO_ROOT } from "../lib/files.ts";
import { executeRuns, type RunSpec } from "../lib/runs/runner.ts";
import { useTestBackend } from "./helpers.ts";

const backend = await useTestBackend();

/** A scratch folder inside the repo (git-ignored data/), so module graphs count it. */
async function scratch(): Promise<string> {
  const dir = join(REPO_ROOT, "data", "tmp");
  await Deno.mkdir(dir, { recursive: true });
  return Deno.makeTempDir({ dir, prefix: "cache_test_" });
}

const TRAINER = `
import { scale } from "./helper.ts";
export function train(config) {
  const calls = (globalThis.__trainCalls ??= []);
  calls.push(config.learningRate);
  const loss = scale(config.learningRate);
  return Promise.resolve({
    status: "finished",
    history: { lossHistory: [loss], trainAccHistory: [0, 0.5], valAccHistory: [0, 0.25] },
    metrics: { finalLoss: loss, bestValAcc: 0.25 },
    timings: { perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 4 }, iterations: 1 },
  });
}
`;

function calls(): number[] {
  return ((globalThis as Record<string, unknown>).__trainCalls ??= []) as number[];
}

async function fixture() {
  const dir = await scratch();
  await Deno.writeTextFile(join(dir, "helper.ts"), "export const scale = (x) => x * 2;\n");
  await Deno.writeTextFile(join(dir, "trainer.ts"), TRAINER);
  await Deno.writeTextFile(join(dir, "other.ts"), "export const unrelated = 1;\n");
  const trainer = toFileUrl(join(dir, "trainer.ts"));
  const cache = new RunCache(join(dir, "runs"));
  const specs = (rates: number[]): RunSpec[] =>
    rates.map((learningRate) => ({
      name: `lr ${learningRate}`,
      config: { learningRate },
      trainer,
    }));
  return { dir, trainer, cache, specs };
}

const quiet = { experiment: "cache-test", backend, log: () => {} };

Deno.test("canonicalJson sorts keys at every depth and rejects non-finite numbers", () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }), '{"a":[2,{"c":4,"d":3}],"b":1}');
  assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  assert.throws(() => canonicalJson({ lr: NaN }), /got NaN; expected finite numbers/);
});

Deno.test("runKey changes with the config and the source digest, not with key order", async () => {
  const a = await runKey({ lr: 1e-3, reg: 0 }, "t.ts", "d1");
  assert.equal(a, await runKey({ reg: 0, lr: 1e-3 }, "t.ts", "d1"));
  assert.notEqual(a, await runKey({ lr: 2e-3, reg: 0 }, "t.ts", "d1"));
  assert.notEqual(a, await runKey({ lr: 1e-3, reg: 0 }, "t.ts", "d2"));
  assert.match(a, /^[0-9a-f]{64}$/);
});

Deno.test("module graph digest follows imports and ignores unrelated files", async () => {
  const { dir } = await fixture();
  const graph = await localModuleGraph(join(dir, "trainer.ts"));
  assert.deepEqual(graph.map((f) => f.slice(dir.length + 1)), ["helper.ts", "trainer.ts"]);
  const before = await sourceDigest(graph);
  await Deno.writeTextFile(join(dir, "other.ts"), "export const unrelated = 2;\n");
  assert.equal(await sourceDigest(graph), before);
  await Deno.writeTextFile(join(dir, "helper.ts"), "export const scale = (x) => x * 3;\n");
  assert.notEqual(await sourceDigest(graph), before);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("executeRuns: miss trains, hit serves, a changed config trains only that run", async () => {
  const { dir, cache, specs } = await fixture();
  calls().length = 0;
  const first = await executeRuns(specs([1, 2]), { ...quiet, cache });
  assert.deepEqual(calls(), [1, 2]);
  assert.deepEqual(first.map((o) => o.cached), [false, false]);
  assert.equal(first[0].record.status, "finished");
  assert.equal(first[0].record.metrics.finalLoss, 2);

  const again = await executeRuns(specs([1, 2]), { ...quiet, cache });
  assert.deepEqual(calls(), [1, 2], "nothing retrained");
  assert.deepEqual(again.map((o) => o.cached), [true, true]);
  assert.deepEqual(again[1].record, first[1].record);

  await executeRuns(specs([1, 3]), { ...quiet, cache });
  assert.deepEqual(calls(), [1, 2, 3], "only the changed run trained");

  await executeRuns(specs([1]), { ...quiet, cache, fresh: true });
  assert.deepEqual(calls(), [1, 2, 3, 1], "--fresh ignores the cache");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("executeRuns: editing a module the trainer imports retrains its runs", async () => {
  const { dir, cache } = await fixture();
  // Each invocation is a new process, as when a user runs the script again.
  const script = join(dir, "run.ts");
  await Deno.writeTextFile(
    script,
    `import { initBackend } from "${toFileUrl(join(REPO_ROOT, "lib/backend/init.ts"))}";
import { RunCache } from "${toFileUrl(join(REPO_ROOT, "lib/runs/store.ts"))}";
import { executeRuns } from "${toFileUrl(join(REPO_ROOT, "lib/runs/runner.ts"))}";
const backend = await initBackend({ backend: "cpu" });
const outcomes = await executeRuns(
  [{ name: "a", config: { learningRate: 1 }, trainer: "${toFileUrl(join(dir, "trainer.ts"))}" }],
  { experiment: "t", backend, cache: new RunCache("${cache.dir}"), log: () => {} },
);
console.log(JSON.stringify(outcomes.map((o) => [o.cached, o.record.metrics.finalLoss])));`,
  );
  const run = async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", join(REPO_ROOT, "deno.json"), script],
      stdout: "piped",
      stderr: "inherit",
    }).output();
    assert.ok(out.success);
    return JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").pop()!);
  };
  assert.deepEqual(await run(), [[false, 2]]);
  assert.deepEqual(await run(), [[true, 2]], "unchanged code: served from the cache");
  await Deno.writeTextFile(join(dir, "other.ts"), "export const unrelated = 2;\n");
  assert.deepEqual(await run(), [[true, 2]], "an unrelated file does not invalidate");
  await Deno.writeTextFile(join(dir, "helper.ts"), "export const scale = (x) => x * 5;\n");
  assert.deepEqual(await run(), [[false, 5]], "an imported module changed: retrained");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a torn, foreign or unfinished record is reported and recomputed", async () => {
  const { dir, cache, specs } = await fixture();
  calls().length = 0;
  const [outcome] = await executeRuns(specs([7]), { ...quiet, cache });
  const path = cache.pathOf(outcome.record.key);
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);

  await Deno.writeTextFile(path, (await Deno.readTextFile(path)).slice(0, 40)); // torn
  await executeRuns(specs([7]), { ...quiet, cache, log });
  assert.ok(lines.some((l) => /is torn .*recomputing/.test(l)), lines.join("\n"));
  assert.equal((await cache.get(outcome.record.key)).hit, true, "recomputed record stored");

  await Deno.writeTextFile(path, JSON.stringify({ hello: "world" }));
  await executeRuns(specs([7]), { ...quiet, cache, log });
  assert.ok(lines.some((l) => /is foreign/.test(l)));

  const record = JSON.parse(await Deno.readTextFile(path));
  await Deno.writeTextFile(path, JSON.stringify({ ...record, format: "nnlab-run/0" }));
  await executeRuns(specs([7]), { ...quiet, cache, log });
  assert.ok(lines.some((l) => /is stale-format/.test(l)));

  await Deno.writeTextFile(path, JSON.stringify({ ...record, status: "running" }));
  await executeRuns(specs([7]), { ...quiet, cache, log });
  assert.ok(lines.some((l) => /is unfinished \(status running\)/.test(l)));
  assert.deepEqual(calls(), [7, 7, 7, 7, 7]);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("a failing trainer leaves a failed record and names the run", async () => {
  const dir = await scratch();
  await Deno.writeTextFile(
    join(dir, "bad.ts"),
    "export function train() { throw new Error('boom'); }\n",
  );
  const cache = new RunCache(join(dir, "runs"));
  const spec = { name: "bad run", config: { a: 1 }, trainer: toFileUrl(join(dir, "bad.ts")) };
  await assert.rejects(executeRuns([spec], { ...quiet, cache }), /run "bad run" failed: boom/);
  assert.deepEqual(await cache.list(), [], "a failed record is not a usable cache entry");
  const [file] = [...Deno.readDirSync(cache.dir)];
  const stored = JSON.parse(await Deno.readTextFile(join(cache.dir, file.name)));
  assert.equal(stored.status, "failed");
  assert.match(stored.error, /boom/);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("writeFileAtomic replaces the file whole and leaves no temporary file", async () => {
  const dir = await scratch();
  const path = join(dir, "x.json");
  await writeFileAtomic(path, "old");
  await writeFileAtomic(path, "new");
  assert.equal(await Deno.readTextFile(path), "new");
  const names = [];
  for await (const entry of Deno.readDir(dir)) names.push(entry.name);
  assert.deepEqual(names, ["x.json"]);
  await Deno.remove(dir, { recursive: true });
});
