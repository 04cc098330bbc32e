/**
 * A GPU device lost mid-run (here destroyed on purpose, as a driver reset would) fails
 * the run with the device's reason, not with the unrelated kernel error tfjs raises next.
 * In a file of its own: the device stays lost for the rest of the process.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import { Solver } from "../lib/train/solver.ts";
import { randomInput, seededRandom, webgpuSuite } from "./webgpu_helpers.ts";

webgpuSuite("webgpu device lost", () => {
  Deno.test("webgpu device lost mid-run: the Solver's run fails naming the run and the reason", async () => {
    await tf.setBackend("webgpu");
    const model = new FullyConnectedNet({ hiddenDims: [8], inputDim: 6, numClasses: 3 });
    const train = {
      x: randomInput(seededRandom(5), [20, 6]).values,
      y: Int32Array.from({ length: 20 }, (_, i) => i % 3),
      shape: [20, 6],
    };
    const reported: number[] = [];
    await assert.rejects(
      new Solver(model, { train, val: train }, {
        verbose: false,
        numEpochs: 6,
        batchSize: 4, // 5 iterations an epoch
        printEvery: 3, // reads at iterations 1, 4, 5, 7, ...
        name: "lost run",
        onIteration: ({ iteration }) => {
          reported.push(iteration);
          if (iteration === 2) (tf.backend() as WebGPUBackend).device.destroy();
        },
      }).train(),
      /^Error: run "lost run": the GPU device was lost \(destroyed\)/,
    );
    // The device is lost while iterations 2-4, read together, are reported; nothing after.
    assert.deepEqual(reported, [1, 2, 3, 4]);
  });
});
