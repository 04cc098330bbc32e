/**
 * A GPU device lost mid-run (here destroyed on purpose, as a driver reset would) fails
 * the run with the device's reason, not with the unrelated kernel error tfjs raises next.
 * In a file of its own: the device stays lost for the rest of the process.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import { trainWithDeferredReadback } from "../lib/train_probe/mod.ts";
import { randomInput, seededRandom, webgpuSuite } from "./webgpu_helpers.ts";

webgpuSuite("webgpu device lost", () => {
  Deno.test("webgpu device lost mid-run: the run fails naming the run and the reason", async () => {
    await tf.setBackend("webgpu");
    const model = new FullyConnectedNet({ hiddenDims: [8], inputDim: 6, numClasses: 3 });
    const train = {
      x: randomInput(seededRandom(5), [20, 6]).values,
      y: Int32Array.from({ length: 20 }, (_, i) => i % 3),
      shape: [20, 6],
    };
    let flushes = 0;
    await assert.rejects(
      trainWithDeferredReadback(model, train, {
        numIterations: 30,
        printEvery: 5,
        batchSize: 4,
        name: "lost run",
        onFlush: () => {
          if (++flushes === 2) (tf.backend() as WebGPUBackend).device.destroy();
        },
      }),
      /^Error: run "lost run": the GPU device was lost \(destroyed\)/,
    );
    assert.equal(flushes, 2, "training stopped at the first step after the loss");
  });
});
