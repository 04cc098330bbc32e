/**
 * The native backend's fused update rules (lib/kernels/native/optimizer_kernels.ts)
 * give the very bits of the tf-op rules in lib/optim.ts (run on the cpu backend, where
 * no fused kernel exists), over several steps so the moments carry over, with and
 * without weight decay; and they leave no tensor behind.
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { adam, adamw, type OptimConfig, sgd, type UpdateRule } from "../lib/train/optim.ts";
import {
  nativeSkip,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

const random = seededRandom(99);
const w0 = randomInput(random, [37, 29]);
const grads = [0, 1, 2].map(() => randomInput(random, [37, 29]));

/** Three steps of `rule` on `backend`; the weights and the state's tensors after each. */
async function steps(backend: "native" | "cpu", rule: UpdateRule, config: OptimConfig) {
  const previous = tf.getBackend();
  await tf.setBackend(backend);
  try {
    const tensorsBefore = tf.memory().numTensors;
    let w: tf.Tensor = tf.tensor(w0.values, w0.shape);
    let state = { ...config };
    const seen: Float32Array[] = [];
    for (const g of grads) {
      const dw = tf.tensor(g.values, g.shape);
      const [next, nextState] = rule(w, dw, state);
      for (const t of [w, dw, state.m, state.v]) t?.dispose();
      [w, state] = [next, nextState];
      seen.push(Float32Array.from(w.dataSync()));
      for (const t of [state.m, state.v]) if (t) seen.push(Float32Array.from(t.dataSync()));
    }
    for (const t of [w, state.m, state.v]) t?.dispose();
    assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: no tensor left behind`);
    return seen;
  } finally {
    await tf.setBackend(previous);
  }
}

const cases: [string, UpdateRule, OptimConfig][] = [
  ["sgd", sgd, { learningRate: 0.1 }],
  ["sgd with weight decay", sgd, { learningRate: 0.1, weightDecay: 1e-2 }],
  ["adam", adam, { learningRate: 1e-3 }],
  ["adam with weight decay", adam, { learningRate: 1e-2, weightDecay: 0.1 }],
  ["adamw", adamw, { learningRate: 1e-2, weightDecay: 5e-2 }],
];
for (const [name, rule, config] of cases) {
  Deno.test({
    name: `${name}: the fused native kernel gives the tf-op rule's bits`,
    ignore: nativeSkip !== undefined,
    async fn() {
      const fused = await steps("native", rule, config);
      const ops = await steps("cpu", rule, config);
      assert.deepEqual(fused, ops);
    },
  });
}
