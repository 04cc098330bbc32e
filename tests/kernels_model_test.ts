import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { DEFAULT_STEP, normRelError, numericGradientOf } from "../lib/gradcheck.ts";
import { randomValues, seededRandom, useWasmAndCpu } from "./kernels_helpers.ts";

await useWasmAndCpu();

/** Centred-difference step (lib/gradcheck.ts's); the kink margins below are asserted against it. */
const STEP = DEFAULT_STEP;

/**
 * Two small nets built from tf ops, on (2, 6, 6, 2) images and 4 classes, that need every
 * kernel of lib/kernels between them:
 *   cnn:       conv 3x3 (2 -> 2, same) - relu - 2x2 max pool - affine (18 -> 4) - softmax loss
 *   depthwise: depthwise 7x7 (same) - relu - conv 1x1 stride 2 (2 -> 3) - 3x3 avg pool
 *              - affine (3 -> 4) - softmax loss
 * `preRelu` returns the activations that go into the relu, for the kink margins.
 */
function makeNet(kind: "cnn" | "depthwise", seed: number) {
  const random = seededRandom(seed);
  const values = (shape: number[], scale: number) =>
    tf.mul(tf.tensor(randomValues(random, shape.reduce((a, b) => a * b, 1)), shape), scale);
  const param = (shape: number[], scale: number) => tf.variable(values(shape, scale));
  const params: Record<string, tf.Variable> = kind === "cnn"
    ? { w1: param([3, 3, 2, 2], 0.5), b1: param([2], 0.1), w2: param([18, 4], 0.5) }
    : { w1: param([7, 7, 2, 1], 0.3), b1: param([2], 0.1), w2: param([1, 1, 2, 3], 2) };
  // Large enough downstream weights that dw1 stands well above the float32 round-off of
  // the centred difference (about eps32 * loss / STEP).
  params.w3 = param(kind === "cnn" ? [4] : [3, 4], kind === "cnn" ? 0.1 : 2);
  const x = values([2, 6, 6, 2], 1) as tf.Tensor4D;
  const labels = tf.oneHot(tf.tensor1d([1, 3], "int32"), 4);
  const preRelu = (): tf.Tensor4D =>
    kind === "cnn"
      ? tf.add(tf.conv2d(x, params.w1 as tf.Tensor4D, 1, "same"), params.b1)
      : tf.add(tf.depthwiseConv2d(x, params.w1 as tf.Tensor4D, 1, "same"), params.b1);
  const loss = (): tf.Scalar =>
    tf.tidy(() => {
      const h = tf.relu(preRelu());
      const scores = kind === "cnn"
        ? tf.add(tf.matMul(tf.reshape(tf.maxPool(h, 2, 2, "valid"), [2, 18]), params.w2), params.w3)
        : tf.matMul(
          tf.reshape(
            tf.avgPool(tf.conv2d(h, params.w2 as tf.Tensor4D, 2, "valid"), 3, 3, "valid"),
            [
              2,
              3,
            ],
          ),
          params.w3,
        );
      return tf.losses.softmaxCrossEntropy(labels, scores) as tf.Scalar;
    });
  const dispose = () => {
    Object.values(params).forEach((p) => p.dispose());
    x.dispose();
    labels.dispose();
  };
  return { params, x, preRelu, loss, dispose };
}

/**
 * The premise of a centred difference through relu and max pool: moving one weight by
 * STEP moves a pre-activation by at most STEP * max|x| (plus 1 for a bias), so no
 * pre-activation may lie that close to 0, and no max-pool window's winner may lead its
 * runner-up by less than twice that. Returns the worst ratio of margin to bound (> 1
 * holds the premise).
 */
function kinkMarginRatio(net: ReturnType<typeof makeNet>, pooled: boolean): number {
  return tf.tidy(() => {
    const reach = STEP * Math.max(1, tf.max(tf.abs(net.x)).dataSync()[0]);
    const z = net.preRelu();
    let ratio = tf.min(tf.abs(z)).dataSync()[0] / reach;
    if (pooled) {
      const [n, h, w, c] = z.shape;
      const windows = tf.reshape(
        tf.transpose(tf.reshape(tf.relu(z), [n, h / 2, 2, w / 2, 2, c]), [0, 1, 3, 5, 2, 4]),
        [-1, 4],
      );
      const { values } = tf.topk(windows, 2);
      const [first, second] = tf.split(values, 2, 1);
      // A window of zeros stays zero (its inputs keep their sign), so only windows with a
      // positive winner count.
      const lead = tf.where(
        tf.greater(first, 0),
        tf.sub(first, second),
        tf.fill(first.shape, Infinity),
      );
      ratio = Math.min(ratio, tf.min(lead).dataSync()[0] / (2 * reach));
    }
    return ratio;
  });
}

for (const kind of ["cnn", "depthwise"] as const) {
  Deno.test(`${kind} net on wasm: autodiff gradients match numeric gradients`, async () => {
    await tf.setBackend("wasm");
    // Seeds whose activations keep clear of the kinks (asserted below).
    const net = makeNet(kind, kind === "cnn" ? 44 : 49);
    try {
      const margin = kinkMarginRatio(net, kind === "cnn");
      assert.ok(margin > 1, `premise: kink margin ratio ${margin} must exceed 1 (pick a seed)`);
      const { grads } = tf.variableGrads(net.loss);
      for (const [name, v] of Object.entries(net.params)) {
        const numeric = numericGradientOf(
          () => {
            const l = net.loss();
            const value = l.dataSync()[0];
            l.dispose();
            return value;
          },
          v,
          STEP,
        );
        const err = normRelError(grads[v.name].dataSync(), numeric);
        // lib/gradcheck.ts: whole models in float32 agree to normRelError < 1e-3.
        assert.ok(err < 1e-3, `${kind} d${name}: normRelError ${err}`);
      }
      Object.values(grads).forEach((g) => g.dispose());
    } finally {
      net.dispose();
    }
  });
}

Deno.test("100 sgd steps on wasm leave as many tensors as 1 step", async () => {
  await tf.setBackend("wasm");
  for (const kind of ["cnn", "depthwise"] as const) {
    const net = makeNet(kind, 13);
    const vars = Object.values(net.params);
    const step = () =>
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(net.loss);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(0.1, grads[v.name])));
        return value.dataSync()[0];
      });
    try {
      const first = step();
      const tensors = tf.memory().numTensors;
      const buffers = tf.engine().backend.numDataIds();
      let last = first;
      for (let i = 1; i < 100; i++) last = step();
      assert.equal(tf.memory().numTensors, tensors, `${kind}: engine tensors after 100 steps`);
      assert.equal(tf.engine().backend.numDataIds(), buffers, `${kind}: wasm buffers`);
      // And the steps did train: the loss on this fixed batch went down.
      assert.ok(last < first, `${kind}: loss ${first} -> ${last}`);
    } finally {
      net.dispose();
    }
  }
});
