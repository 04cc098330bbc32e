/**
 * A GPU device lost in the middle of a sweep fails the run it was training, and the runs
 * that finished before it stay in the store, served as they were. In a file of its own:
 * the device stays lost for the rest of the process.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { REPO_ROOT } from "../lib/files.ts";
import type { RunSpec } from "../lib/runs/record.ts";
import { executeRuns, planRuns } from "../lib/runs/runner.ts";
import { RunStore } from "../lib/runs/store.ts";
import { initBackend } from "../lib/backend/init.ts";
import { repoScratchDir, toFileUrl } from "./paths.ts";
import { webgpuSuite } from "./webgpu_helpers.ts";

/** Trains a small FC net with the Solver; `lose` destroys the device at iteration 2. */
const TRAINER = `
import * as tf from "@tensorflow/tfjs";
import { FullyConnectedNet } from "${toFileUrl(join(REPO_ROOT, "lib/models/fc_net.ts"))}";
import { Solver } from "${toFileUrl(join(REPO_ROOT, "lib/train/solver.ts"))}";
export const trainRun = async (config, context) => {
  const model = new FullyConnectedNet({ hiddenDims: [8], inputDim: 6, numClasses: 3, seed: 1 });
  const x = Float32Array.from({ length: 120 }, (_, i) => Math.sin(i));
  const train = { x, y: Int32Array.from({ length: 20 }, (_, i) => i % 3), shape: [20, 6] };
  const result = await new Solver(model, { train, val: train }, {
    verbose: false, numEpochs: 2, batchSize: 4, printEvery: 3, name: context.name,
    onIteration: ({ iteration }) => {
      if (config.lose && iteration === 2) tf.backend().device.destroy();
    },
  }).train();
  const loss = result.history.lossHistory.at(-1);
  return {
    status: "finished",
    history: result.history,
    metrics: { finalLoss: loss, bestValAcc: result.bestValAcc },
    timings: { perIteration: { dataMs: 0, forwardMs: 0, backwardMs: 0, updateMs: 0 }, iterations: 10 },
  };
};
`;

webgpuSuite("webgpu device lost in a sweep", () => {
  Deno.test("webgpu device lost in a sweep: that run fails, the finished run stays stored", async () => {
    const dir = await repoScratchDir("device_lost_");
    try {
      await Deno.writeTextFile(join(dir, "trainer.ts"), TRAINER);
      const trainer = toFileUrl(join(dir, "trainer.ts"));
      const specs: RunSpec[] = [
        { name: "before", config: { id: "before" }, trainer },
        { name: "lost", config: { id: "lost", lose: true }, trainer },
      ];
      const backend = await initBackend({ backend: "webgpu" });
      const store = new RunStore(join(dir, "runs"));
      const lines: string[] = [];
      const options = {
        study: "lost",
        backend,
        store,
        progress: false,
        log: lines.push.bind(lines),
      };
      await assert.rejects(
        executeRuns(specs, options),
        /run "lost" failed: .*the GPU device was lost \(destroyed\)/,
      );
      // The finished run is served as stored; the lost one is stored as failed, to retry.
      const [before, lost] = await planRuns(specs, backend);
      const served = await store.get(before.key);
      assert.ok(served.hit, "the finished run is served");
      assert.equal(served.record.status, "finished");
      assert.ok(Number.isFinite(served.record.metrics.finalLoss), "with its loss");
      assert.deepEqual((await store.list()).map((r) => r.name), ["before"]);
      assert.equal((await store.get(lost.key)).hit, false, "a failed run is not served");
      const failed = JSON.parse(await Deno.readTextFile(join(store.dir, `${lost.key}.json`)));
      assert.equal(failed.status, "failed");
      assert.match(failed.error, /the GPU device was lost/);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
});
