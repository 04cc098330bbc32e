import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { meanConfig, sumConfig, sumLeadingRows } from "../lib/kernels/wasm/reduce_leading.ts";
import {
  assertClose,
  assertGradientsMatchCpu,
  randomInput,
  seededRandom,
  useWasmAndCpu,
  valuesOn,
} from "./kernels_helpers.ts";

await useWasmAndCpu();

interface ReduceCase {
  shape: number[];
  axis: number | number[];
  keepDims: boolean;
}

// Leading axes take the heap loop; the rest (trailing, interleaved, all) the stock kernel,
// which must still be reached with the same arguments.
const cases: ReduceCase[] = [
  { shape: [4, 5, 6, 3], axis: [0, 1, 2], keepDims: false },
  { shape: [4, 5, 6, 3], axis: [2, 0, 1], keepDims: true },
  { shape: [37, 8], axis: 0, keepDims: false },
  { shape: [3, 4, 5], axis: [-3, 1], keepDims: false },
  { shape: [3, 4, 5], axis: 2, keepDims: false },
  { shape: [3, 4, 5], axis: [0, 2], keepDims: true },
  { shape: [3, 4, 5], axis: [0, 1, 2], keepDims: false },
];

for (const [i, c] of cases.entries()) {
  const label = `x=[${c.shape}] axis=${JSON.stringify(c.axis)} keepDims=${c.keepDims}`;
  for (const op of ["sum", "mean"] as const) {
    Deno.test(`${op} ${label}: wasm matches cpu, values and shape`, async () => {
      const input = randomInput(seededRandom(900 + i), c.shape);
      const f = (x: tf.Tensor) => tf[op](x, c.axis, c.keepDims);
      const onWasm = await valuesOn("wasm", f, [input]);
      const onCpu = await valuesOn("cpu", f, [input]);
      assertClose(onWasm, onCpu, `${op} ${label}`);
      const expectedShape = tf.tidy(() => f(tf.zeros(c.shape)).shape);
      await tf.setBackend("wasm");
      const shape = tf.tidy(() => f(tf.zeros(c.shape)).shape);
      assert.deepEqual(shape, expectedShape);
    });
  }
}

Deno.test("conv bias gradient (sum of dy over N, H, W) on wasm matches cpu", async () => {
  await assertGradientsMatchCpu(
    "bias",
    (x, b) => tf.add(x, b),
    [[3, 5, 4, 6], [6]],
    950,
  );
});

Deno.test("sumLeadingRows: column sums and means of a known matrix", () => {
  const x = new Float32Array([1, 2, 3, 4, 5, 6]); // rows [1 2] [3 4] [5 6]
  const out = new Float32Array(2);
  sumLeadingRows(x, 3, 2, out, 1);
  assert.deepEqual(Array.from(out), [9, 12]);
  sumLeadingRows(x, 3, 2, out, 1 / 3);
  assert.deepEqual(Array.from(out), [3, 4]);
});

Deno.test("sumLeadingRows: float64 accumulation keeps 1 + 2^24 small terms", () => {
  // In float32, 2^24 + 1 rounds back to 2^24: a float32 running sum of 2^24 then 1s
  // would lose every 1.
  const rows = 1000;
  const x = new Float32Array(rows).fill(1);
  x[0] = 2 ** 24;
  const out = new Float32Array(1);
  sumLeadingRows(x, rows, 1, out, 1);
  assert.equal(out[0], Math.fround(2 ** 24 + rows - 1));
});

Deno.test("the wasm backend runs these Sum and Mean kernels", () => {
  assert.equal(tf.getKernel("Sum", "wasm")?.kernelFunc, sumConfig.kernelFunc);
  assert.equal(tf.getKernel("Mean", "wasm")?.kernelFunc, meanConfig.kernelFunc);
});
