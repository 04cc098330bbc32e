import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { BasicBlock } from "../lib/blocks/basic_block.ts";
import { ConvNeXtBlock } from "../lib/blocks/convnext_block.ts";
import { ConvNeXtDownsampler } from "../lib/blocks/convnext_downsampler.ts";
import { PreActResidualBlock } from "../lib/blocks/preact_residual.ts";
import { ResidualBlock } from "../lib/blocks/residual.ts";
import { normRelError, numericGradientOf } from "../lib/gradcheck.ts";
import type { Module } from "../lib/layers/module.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

/**
 * Every parameter's and the input's autodiff gradient of sum(block(x) * dout), against
 * centred differences of the same sum taken in float64, compared per tensor with
 * normRelError. Returns the error of each, keyed like block.params plus "x".
 */
function checkBlock(block: Module, xValue: tf.Tensor, h: number): Record<string, number> {
  const x = tf.variable(xValue);
  const forward = () => block.forward(x, { training: true });
  const outShape = tf.tidy(() => forward().shape);
  const dout = tf.randomNormal(outShape, 0, 1, "float32", 7);
  const upstream = Float64Array.from(dout.dataSync());
  const objective64 = () => {
    const out = tf.tidy(forward);
    const values = out.dataSync();
    out.dispose();
    let total = 0;
    for (let i = 0; i < values.length; i++) total += values[i] * upstream[i];
    return total;
  };
  const variables: Record<string, tf.Variable> = { ...block.params, x };
  const names = Object.keys(variables);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(forward(), dout)),
    names.map((name) => variables[name]),
  );
  const errors: Record<string, number> = {};
  for (const name of names) {
    const numeric = numericGradientOf(objective64, variables[name], h);
    errors[name] = normRelError(grads[variables[name].name], numeric);
  }
  tf.dispose([value, dout, x, ...Object.values(grads)]);
  return errors;
}

function assertErrors(errors: Record<string, number>, tolerance: number, what: string) {
  for (const [name, error] of Object.entries(errors)) {
    assert.ok(error < tolerance, `${what}: ${name} normRelError ${error} >= ${tolerance}`);
  }
  if (Deno.env.get("NNLAB_VERBOSE")) {
    console.log(what, Object.values(errors).map((e) => e.toExponential(1)).join(" "));
  }
}

const image = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, "float32", seed);

// Tolerances. Blocks with relu have kinks: a centred difference that straddles one is off
// by O(h), so they step h = 1e-3; float32 outputs summed in float64 then leave a
// round-off near eps32 * |out| / h, about 1e-4 relative. Measured 9e-6 .. 4e-4; we accept
// 2e-3. The ConvNeXt pieces are smooth (GELU, LayerNorm), so h = 1e-2 keeps round-off
// small and truncation O(h^2); measured 4e-7 .. 1e-4, accepted 5e-3.
const KINKED = { h: 1e-3, tolerance: 2e-3 };
const SMOOTH = { h: 1e-2, tolerance: 5e-3 };

Deno.test("ResidualBlock: x + conv(relu(x)) gradients match numeric", () => {
  const block = new ResidualBlock({ channels: 3, seed: 1 });
  assert.deepEqual(Object.keys(block.params), ["conv.W", "conv.b"]);
  assert.deepEqual(block.params["conv.W"].shape, [3, 3, 3, 3]);
  assertErrors(checkBlock(block, image([2, 5, 5, 3], 1), KINKED.h), KINKED.tolerance, "residual");
});

Deno.test("ResidualBlock without skip: conv(relu(x)) gradients match numeric", () => {
  const block = new ResidualBlock({ channels: 2, skip: false, seed: 2 });
  assertErrors(checkBlock(block, image([2, 4, 4, 2], 2), KINKED.h), KINKED.tolerance, "plain");
});

Deno.test("ResidualBlock computes x + conv(relu(x)); skip: false drops the x", () => {
  const options = { channels: 2, seed: 3 };
  const residual = new ResidualBlock(options);
  const plain = new ResidualBlock({ ...options, skip: false });
  const x = image([1, 4, 4, 2], 3);
  const [withSkip, without] = [residual.forward(x), plain.forward(x)];
  // Same seed, same weights: the two differ by exactly x.
  assert.ok(
    tf.tidy(() => tf.max(tf.abs(tf.sub(tf.sub(withSkip, without), x))).dataSync()[0]) < 1e-6,
  );
  // relu first: a negative input adds nothing through the branch but passes the skip.
  const negative = tf.neg(tf.abs(x));
  const out = residual.forward(negative);
  const bias = residual.params["conv.b"];
  const expected = tf.add(negative, bias);
  assert.ok(tf.tidy(() => tf.max(tf.abs(tf.sub(out, expected))).dataSync()[0]) < 1e-6);
  tf.dispose([x, withSkip, without, negative, out, expected]);
});

Deno.test("PreActResidualBlock: x + conv(relu(bn(x))) gradients match numeric (training mode)", () => {
  const block = new PreActResidualBlock({ channels: 3, seed: 4 });
  assert.deepEqual(Object.keys(block.params), ["bn.gamma", "bn.beta", "conv.W", "conv.b"]);
  assert.deepEqual(Object.keys(block.state), ["bn.runningMean", "bn.runningVar"]);
  const errors = checkBlock(block, image([3, 4, 4, 3], 4), KINKED.h);
  assertErrors(errors, KINKED.tolerance, "preact bn");
});

Deno.test("PreActResidualBlock updates its running statistics only in training mode", () => {
  const block = new PreActResidualBlock({ channels: 2, seed: 5 });
  const x = tf.add(image([4, 3, 3, 2], 5), 3);
  const mean0 = Array.from(block.state["bn.runningMean"].dataSync());
  tf.dispose(block.forward(x));
  assert.deepEqual(Array.from(block.state["bn.runningMean"].dataSync()), mean0);
  tf.dispose(block.forward(x, { training: true }));
  // momentum 0.9: running = 0.9 * 0 + 0.1 * batch mean, near 0.3 for inputs around 3.
  for (const m of block.state["bn.runningMean"].dataSync()) assert.ok(m > 0.2 && m < 0.4, `${m}`);
  x.dispose();
});

Deno.test("BasicBlock with identity skip: gradients match numeric, shape kept, no biases", () => {
  const block = new BasicBlock({ inChannels: 2, outChannels: 2, seed: 6 });
  assert.deepEqual(Object.keys(block.params), [
    "conv1.W",
    "bn1.gamma",
    "bn1.beta",
    "conv2.W",
    "bn2.gamma",
    "bn2.beta",
  ]);
  assert.equal(block.shortcut, null);
  const errors = checkBlock(block, image([3, 4, 4, 2], 6), KINKED.h);
  assertErrors(errors, KINKED.tolerance, "basic identity");
});

Deno.test("BasicBlock with projection: stride 2 and 2 -> 3 channels, gradients match numeric", () => {
  // Two input channels at least: with one, bn(conv1x1(x)) would not depend on the 1x1
  // weight's size, so its gradient would be exactly 0 and the check pure noise.
  const block = new BasicBlock({ inChannels: 2, outChannels: 3, stride: 2, seed: 7 });
  assert.ok(block.shortcut !== null);
  assert.deepEqual(
    Object.keys(block.params).filter((k) => k.startsWith("shortcut.")),
    ["shortcut.conv.W", "shortcut.bn.gamma", "shortcut.bn.beta"],
  );
  const out = tf.tidy(() => block.forward(image([3, 6, 6, 2], 8), { training: true }).shape);
  assert.deepEqual(out, [3, 3, 3, 3]);
  // relu after the add: nothing negative leaves the block.
  const min = tf.tidy(() => tf.min(block.forward(image([3, 6, 6, 2], 9), { training: true })));
  assert.ok(min.dataSync()[0] >= 0);
  min.dispose();
  const errors = checkBlock(block, image([2, 4, 4, 2], 10), KINKED.h);
  assertErrors(errors, KINKED.tolerance, "basic projection");
});

Deno.test("ConvNeXtBlock gradients match numeric, parameters as experiments.md lists", () => {
  const [C, H, W] = [2, 4, 4];
  const block = new ConvNeXtBlock({ channels: C, height: H, width: W, kernelSize: 3, seed: 8 });
  const shapes = Object.fromEntries(Object.entries(block.params).map(([k, v]) => [k, v.shape]));
  assert.deepEqual(shapes, {
    "dwconv.W": [3, 3, 1, C],
    "dwconv.b": [C],
    "norm.gamma": [H, W, C],
    "norm.beta": [H, W, C],
    "pwconv1.W": [1, 1, C, 4 * C],
    "pwconv1.b": [4 * C],
    "pwconv2.W": [1, 1, 4 * C, C],
    "pwconv2.b": [C],
  });
  // LayerNorm starts at gamma 1, beta 0: perturb them so their gradients are generic.
  tf.tidy(() => {
    block.params["norm.gamma"].assign(tf.add(1, image([H, W, C], 11).mul(0.3)));
    block.params["norm.beta"].assign(image([H, W, C], 12).mul(0.3));
  });
  const errors = checkBlock(block, image([2, H, W, C], 13), SMOOTH.h);
  assertErrors(errors, SMOOTH.tolerance, "convnext block");
});

Deno.test("ConvNeXtBlock default is a 7x7 depthwise filter with 'same' padding", () => {
  const block = new ConvNeXtBlock({ channels: 4, height: 5, width: 5, seed: 9 });
  assert.deepEqual(block.params["dwconv.W"].shape, [7, 7, 1, 4]);
  const shape = tf.tidy(() => block.forward(image([2, 5, 5, 4], 14)).shape);
  assert.deepEqual(shape, [2, 5, 5, 4]);
  // The parameter count from the layer sizes: 7*7*C + C, 2*H*W*C, C*4C + 4C, 4C*C + C.
  const C = 4;
  const expected = 49 * C + C + 2 * 5 * 5 * C + (C * 4 * C + 4 * C) + (4 * C * C + C);
  const count = Object.values(block.params).reduce((sum, v) => sum + v.size, 0);
  assert.equal(count, expected);
});

Deno.test("ConvNeXtDownsampler halves H and W, doubles C; gradients match numeric", () => {
  const down = new ConvNeXtDownsampler({ inChannels: 2, height: 4, width: 4, seed: 10 });
  assert.deepEqual(down.params["conv.W"].shape, [2, 2, 2, 4]);
  assert.deepEqual(down.params["norm.gamma"].shape, [4, 4, 2]);
  const shape = tf.tidy(() => down.forward(image([2, 4, 4, 2], 15)).shape);
  assert.deepEqual(shape, [2, 2, 2, 4]);
  tf.tidy(() => {
    down.params["norm.gamma"].assign(tf.add(1, image([4, 4, 2], 16).mul(0.3)));
  });
  const errors = checkBlock(down, image([2, 4, 4, 2], 17), SMOOTH.h);
  assertErrors(errors, SMOOTH.tolerance, "downsampler");
});

Deno.test("blocks leave no tensors behind in forward passes", () => {
  const blocks: Module[] = [
    new ResidualBlock({ channels: 2 }),
    new PreActResidualBlock({ channels: 2 }),
    new BasicBlock({ inChannels: 2, outChannels: 4, stride: 2 }),
    new ConvNeXtBlock({ channels: 2, height: 4, width: 4 }),
    new ConvNeXtDownsampler({ inChannels: 2, height: 4, width: 4 }),
  ];
  const x = image([2, 4, 4, 2], 18);
  for (const block of blocks) {
    const before = tf.memory().numTensors;
    const out = block.forward(x, { training: true });
    assert.equal(tf.memory().numTensors, before + 1, block.constructor.name);
    out.dispose();
  }
  x.dispose();
});

Deno.test("seeded blocks are reproducible and children draw different weights", () => {
  const a = new BasicBlock({ inChannels: 2, outChannels: 2, seed: 11 });
  const b = new BasicBlock({ inChannels: 2, outChannels: 2, seed: 11 });
  assert.deepEqual(a.params["conv1.W"].dataSync(), b.params["conv1.W"].dataSync());
  assert.notDeepEqual(a.params["conv1.W"].dataSync(), a.params["conv2.W"].dataSync());
});

Deno.test("bad block options name the argument, the value and what is accepted", () => {
  assert.throws(
    () => new ResidualBlock({ channels: 0 }),
    /ResidualBlock: channels: got 0; expected an integer in \[1, inf\)/,
  );
  assert.throws(
    () => new ResidualBlock({ channels: 2, kernelSize: 4 }),
    /ResidualBlock: kernelSize: got 4; expected an odd integer >= 1/,
  );
  assert.throws(
    () => new ConvNeXtBlock({ channels: 2, height: 0, width: 4 }),
    /ConvNeXtBlock: height: got 0; expected an integer in \[1, inf\)/,
  );
  assert.throws(
    () => new BasicBlock({ inChannels: 2, outChannels: 2, stride: 0 }),
    /BasicBlock: stride: got 0/,
  );
  // The LayerNorm fixes H x W: another size is rejected with the shapes in the message.
  const block = new ConvNeXtBlock({ channels: 2, height: 4, width: 4 });
  const x = tf.zeros([1, 5, 5, 2]);
  assert.throws(() => block.forward(x), /layernorm: gamma.shape: got \[4, 4, 2\]/);
  x.dispose();
});
