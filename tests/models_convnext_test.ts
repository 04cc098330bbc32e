import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { convnext } from "../lib/models/convnext.ts";
import { checkModelGradients } from "../lib/models/gradcheck_model.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("convnext's parameter count follows from experiments.md's layer sizes", () => {
  const [filters, stages, blocks, classes] = [32, 4, 2, 10];
  const conv = (k: number, cIn: number, cOut: number) => k * k * cIn * cOut + cOut;
  const layerNorm = (...shape: number[]) => 2 * shape.reduce((a, b) => a * b, 1);
  let expected = conv(1, 3, filters) + layerNorm(32, 32, filters);
  let [size, channels] = [32, filters];
  for (let s = 1; s <= stages; s++) {
    if (s > 1) {
      expected += layerNorm(size, size, channels) + conv(2, channels, 2 * channels);
      [size, channels] = [size / 2, 2 * channels];
    }
    // depthwise 7x7 (one filter per channel), LayerNorm [H, W, C], 1x1 to 4C, 1x1 back.
    const block = 7 * 7 * channels + channels + layerNorm(size, size, channels) +
      conv(1, channels, 4 * channels) + conv(1, 4 * channels, channels);
    expected += blocks * block;
  }
  expected += layerNorm(channels) + channels * classes + classes;
  const model = convnext({ filters, stages, blocksPerStage: blocks });
  const count = Object.values(model.params).reduce((sum, v) => sum + v.size, 0);
  assert.equal(count, expected);
  assert.equal(channels, 256);
  model.dispose();
});

Deno.test("convnext's layers: stem, stages with downsamplers between them, head", () => {
  const model = convnext({ filters: 4, stages: 3, blocksPerStage: 2, inputShape: [8, 8, 3] });
  assert.deepEqual(model.layers.map(([name]) => name), [
    "stem",
    "stem_norm",
    "stage1_block1",
    "stage1_block2",
    "down1",
    "stage2_block1",
    "stage2_block2",
    "down2",
    "stage3_block1",
    "stage3_block2",
    "pool",
    "head_norm",
    "head",
  ]);
  assert.deepEqual(model.params["stage3_block1.norm.gamma"].shape, [2, 2, 16]);
  assert.deepEqual(model.params["head.W"].shape, [16, 10]);
  const X = tf.randomNormal([2, 8, 8, 3], 0, 1, "float32", 1);
  const scores = model.loss(X);
  assert.deepEqual(scores.shape, [2, 10]);
  tf.dispose([X, scores]);
  model.dispose();
});

// GELU, LayerNorm and average pooling are smooth, so the check takes lib/gradcheck.ts's
// step h = 1e-2 (truncation O(h^2), round-off small) with the loss summed in float64.
// Measured normRelError up to 4e-4 over all entries; we accept 1e-3. Twelve random
// entries per parameter (cs231n's sparse check) keep it to about 500 forward passes.
Deno.test("convnext (tiny: 4x4x2 images, 2 filters, 2 stages) gradients match numeric", () => {
  const model = convnext({
    filters: 2,
    stages: 2,
    blocksPerStage: 1,
    inputShape: [4, 4, 2],
    numClasses: 3,
    kernelSize: 3,
    reg: 0.3,
    seed: 2,
  });
  // The LayerNorms start at gamma 1, beta 0; perturb them so every gradient is generic.
  tf.tidy(() => {
    for (const [name, param] of Object.entries(model.params)) {
      if (/norm\.(gamma|beta)$/.test(name)) {
        param.assign(tf.add(param, tf.randomNormal(param.shape, 0, 0.3, "float32", 3)));
      }
    }
  });
  const X = tf.randomNormal([3, 4, 4, 2], 0, 1, "float32", 4);
  const y = tf.tensor1d([0, 2, 1], "int32");
  const checks = checkModelGradients(model, X, y, { h: 1e-2, entries: 12, seed: 5 });
  assert.equal(Object.keys(checks).length, Object.keys(model.params).length);
  for (const [name, { normRelError }] of Object.entries(checks)) {
    assert.ok(normRelError < 1e-3, `${name} normRelError ${normRelError}`);
  }
  if (Deno.env.get("NNLAB_VERBOSE")) {
    console.log(Math.max(...Object.values(checks).map((c) => c.normRelError)).toExponential(1));
  }
  tf.dispose([X, y]);
  model.dispose();
});

Deno.test("convnext rejects input sizes its stages cannot halve", () => {
  assert.throws(
    () => convnext({ inputShape: [28, 28, 1] }),
    /convnext: inputShape: got \[28, 28, 1\]; expected H and W divisible by 8, as 4 stages/,
  );
  assert.throws(() => convnext({ stages: 0 }), /convnext: stages: got 0/);
});
