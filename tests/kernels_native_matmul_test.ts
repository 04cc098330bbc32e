/**
 * The native backend's matrix products (lib/kernels/native/matmul_kernels.ts) against the
 * cpu backend: plain, transposed operands, batched and broadcast batches, fused bias and
 * activations, and their gradients (which are products with transposed operands; not for
 * broadcast batches, whose gradient tfjs 4.22 itself gets wrong: it does not sum over
 * the broadcast dims).
 * Bound: 1e-5 of the largest |cpu value|.
 */
import * as tf from "@tensorflow/tfjs";
import {
  assertGradientsMatchCpu,
  assertOutputsMatchCpu,
  nativeSkip,
  randomInput,
  seededRandom,
  useNativeAndCpu,
} from "./kernels_native_helpers.ts";

if (!nativeSkip) await useNativeAndCpu();

const random = seededRandom(5);
const cases: [number[], number[], boolean, boolean][] = [
  [[50, 30], [30, 20], false, false],
  [[30, 50], [30, 20], true, false],
  [[50, 30], [20, 30], false, true],
  [[30, 50], [20, 30], true, true],
  [[3, 7, 5], [3, 5, 4], false, false],
  [[3, 7, 5], [5, 4], false, false],
  [[7, 5], [2, 3, 5, 4], false, false],
  [[100, 3072], [3072, 100], false, false],
];
for (const [a, b, transposeA, transposeB] of cases) {
  const label = `matMul [${a}]${transposeA ? "^T" : ""} x [${b}]${transposeB ? "^T" : ""}`;
  const inputs = [randomInput(random, a), randomInput(random, b)];
  const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, transposeA, transposeB);
  Deno.test({
    name: `${label}: product and gradients on native match cpu`,
    ignore: nativeSkip !== undefined,
    async fn() {
      await assertOutputsMatchCpu(label, f, inputs);
      if (a.length === b.length) await assertGradientsMatchCpu(label, f, inputs);
    },
  });
}

for (const activation of ["linear", "relu", "relu6", "leakyrelu"] as const) {
  Deno.test({
    name: `fused matMul with bias and ${activation} matches cpu`,
    ignore: nativeSkip !== undefined,
    async fn() {
      const inputs = [
        randomInput(random, [40, 24]),
        randomInput(random, [16, 24]),
        randomInput(random, [16]),
      ];
      const f = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) =>
        tf.fused.matMul({
          a: tf.mul(a, 3) as tf.Tensor2D,
          b: b as tf.Tensor2D,
          transposeB: true,
          bias,
          activation,
          leakyreluAlpha: 0.1,
        });
      await assertOutputsMatchCpu(`fused ${activation}`, f, inputs);
      await assertGradientsMatchCpu(`fused ${activation}`, f, inputs);
    },
  });
}
