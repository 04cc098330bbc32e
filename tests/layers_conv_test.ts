import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { Conv2d, conv2d } from "../lib/layers/conv.ts";
import { checkLayerGradients } from "../lib/layers/gradcheck_layer.ts";
import { type Padding } from "../lib/layers/padding.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

function data(shape: number[], seed: number): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, "float32", seed);
}

/**
 * Convolution by loops in float64, PyTorch's definition with groups, TensorFlow's "same"
 * (output ceil(H / stride), the odd pixel of padding at the bottom and right).
 */
function naiveConv(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor,
  stride: number,
  pad: Padding,
  groups: number,
): { shape: number[]; values: Float64Array } {
  const [N, H, W, C] = x.shape;
  const [KH, KW, CG, F] = w.shape;
  const xv = x.dataSync(), wv = w.dataSync(), bv = b.dataSync();
  let top = 0, bottom = 0, left = 0, right = 0;
  if (pad === "same") {
    const alongH = Math.max((Math.ceil(H / stride) - 1) * stride + KH - H, 0);
    const alongW = Math.max((Math.ceil(W / stride) - 1) * stride + KW - W, 0);
    [top, bottom] = [Math.floor(alongH / 2), alongH - Math.floor(alongH / 2)];
    [left, right] = [Math.floor(alongW / 2), alongW - Math.floor(alongW / 2)];
  } else if (typeof pad === "number") {
    top =
      bottom =
      left =
      right =
        pad;
  } else if (Array.isArray(pad)) {
    [[top, bottom], [left, right]] = pad;
  }
  const HO = Math.floor((H + top + bottom - KH) / stride) + 1;
  const WO = Math.floor((W + left + right - KW) / stride) + 1;
  const FG = F / groups;
  const out = new Float64Array(N * HO * WO * F);
  for (let n = 0; n < N; n++) {
    for (let i = 0; i < HO; i++) {
      for (let j = 0; j < WO; j++) {
        for (let f = 0; f < F; f++) {
          const g = Math.floor(f / FG);
          let sum = bv[f];
          for (let di = 0; di < KH; di++) {
            for (let dj = 0; dj < KW; dj++) {
              const r = i * stride + di - top, c = j * stride + dj - left;
              if (r < 0 || r >= H || c < 0 || c >= W) continue;
              for (let k = 0; k < CG; k++) {
                const channel = g * CG + k;
                sum += xv[((n * H + r) * W + c) * C + channel] *
                  wv[((di * KW + dj) * CG + k) * F + f];
              }
            }
          }
          out[((n * HO + i) * WO + j) * F + f] = sum;
        }
      }
    }
  }
  return { shape: [N, HO, WO, F], values: out };
}

const CASES: {
  name: string;
  x: number[];
  w: number[];
  stride: number;
  pad: Padding;
  groups: number;
}[] = [
  { name: "valid, stride 2", x: [2, 7, 7, 3], w: [3, 3, 3, 4], stride: 2, pad: "valid", groups: 1 },
  { name: "same, stride 1", x: [1, 5, 5, 2], w: [3, 3, 2, 3], stride: 1, pad: "same", groups: 1 },
  {
    name: "same, stride 2, odd padding",
    x: [1, 6, 5, 2],
    w: [2, 3, 2, 2],
    stride: 2,
    pad: "same",
    groups: 1,
  },
  { name: "pad 1, stride 2", x: [1, 6, 6, 2], w: [3, 3, 2, 3], stride: 2, pad: 1, groups: 1 },
  {
    name: "explicit [[1, 0], [2, 1]]",
    x: [1, 4, 5, 2],
    w: [3, 2, 2, 2],
    stride: 1,
    pad: [[1, 0], [2, 1]],
    groups: 1,
  },
  { name: "groups 2", x: [1, 5, 5, 4], w: [3, 3, 2, 6], stride: 1, pad: 1, groups: 2 },
  { name: "depthwise, same", x: [1, 5, 5, 3], w: [3, 3, 1, 3], stride: 1, pad: "same", groups: 3 },
  {
    name: "depthwise x2 channels, pad 1, stride 2",
    x: [2, 5, 5, 2],
    w: [3, 3, 1, 4],
    stride: 2,
    pad: 1,
    groups: 2,
  },
];

for (const [k, c] of CASES.entries()) {
  Deno.test(`conv2d matches a naive loop: ${c.name}`, () => {
    const x = data(c.x, 10 + k), w = data(c.w, 20 + k), b = data([c.w[3]], 30 + k);
    const out = conv2d(x, w, b, { stride: c.stride, pad: c.pad, groups: c.groups });
    const expected = naiveConv(x, w, b, c.stride, c.pad, c.groups);
    assert.deepEqual(out.shape, expected.shape);
    const got = out.dataSync();
    let worst = 0;
    for (let i = 0; i < got.length; i++) {
      worst = Math.max(worst, Math.abs(got[i] - expected.values[i]));
    }
    // Sums of at most 27 products of N(0, 1) values in float32: errors near 1e-6.
    assert.ok(worst < 1e-4, `largest difference ${worst}`);
    tf.dispose([x, w, b, out]);
  });
}

for (const c of [CASES[3], CASES[4], CASES[5], CASES[7]]) {
  Deno.test(`conv2d gradients of x, w and b match numeric ones: ${c.name}`, () => {
    const x = data(c.x, 1), w = data(c.w, 2), b = data([c.w[3]], 3);
    const checks = checkLayerGradients(
      (x, w, b) => conv2d(x, w, b, { stride: c.stride, pad: c.pad, groups: c.groups }),
      [x, w, b],
    );
    // The output is linear in each input, so the centred difference has no truncation
    // error, only float32 round-off (about 1e-6 relative here); 1e-4 leaves a margin.
    for (const [i, input] of ["dx", "dw", "db"].entries()) {
      assert.ok(checks[i].normRelError < 1e-4, `${input}: normRelError ${checks[i].normRelError}`);
    }
    tf.dispose([x, w, b]);
  });
}

Deno.test("Conv2d module: parameter shapes, initializations, seeding, forward shape", () => {
  const conv = new Conv2d({
    inChannels: 4,
    outChannels: 8,
    kernelSize: 3,
    pad: 1,
    stride: 2,
    seed: 1,
  });
  assert.deepEqual(conv.params.W.shape, [3, 3, 4, 8]);
  assert.deepEqual(conv.params.b.shape, [8]);
  // PyTorch's default: W and b uniform in +-1/sqrt(fanIn), fanIn = 3 * 3 * 4.
  const bound = 1 / Math.sqrt(36);
  for (const v of [...conv.params.W.dataSync(), ...conv.params.b.dataSync()]) {
    assert.ok(Math.abs(v) <= bound, `${v} outside +-${bound}`);
  }
  assert.deepEqual(conv.forward(tf.zeros([2, 8, 8, 4])).shape, [2, 4, 4, 8]);
  const again = new Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, seed: 1 });
  assert.deepEqual(again.params.W.dataSync(), conv.params.W.dataSync());
  const other = new Conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, seed: 2 });
  assert.notDeepEqual(other.params.W.dataSync(), conv.params.W.dataSync());

  const scaled = new Conv2d({
    inChannels: 16,
    outChannels: 32,
    kernelSize: [3, 3],
    weightScale: 0.1,
    seed: 0,
  });
  const std = tf.moments(scaled.params.W).variance.sqrt().dataSync()[0];
  assert.ok(Math.abs(std - 0.1) < 0.01, `weightScale 0.1 gave std ${std}`);
  assert.deepEqual(Array.from(scaled.params.b.dataSync()), new Array(32).fill(0));

  const kaiming = new Conv2d({
    inChannels: 16,
    outChannels: 32,
    kernelSize: 3,
    init: "kaiming",
    seed: 0,
  });
  const kstd = tf.moments(kaiming.params.W).variance.sqrt().dataSync()[0];
  assert.ok(Math.abs(kstd - Math.sqrt(2 / 144)) < 0.01, `kaiming std ${kstd}`);

  const depthwise = new Conv2d({
    inChannels: 6,
    outChannels: 6,
    kernelSize: 7,
    pad: "same",
    groups: 6,
  });
  assert.deepEqual(depthwise.params.W.shape, [7, 7, 1, 6]);
  assert.deepEqual(depthwise.forward(tf.zeros([1, 8, 8, 6])).shape, [1, 8, 8, 6]);
});

Deno.test("conv2d: bad input names the argument, the value and what is accepted", () => {
  const x = tf.zeros([1, 5, 5, 4]), b = tf.zeros([6]);
  assert.throws(
    () => conv2d(x, tf.zeros([3, 3, 4, 6]), b, { groups: 3 }),
    /conv2d: groups: got 3; expected a divisor of both the 4 input channels \(x\.shape \[1, 5, 5, 4\]\) and the 6 output channels/,
  );
  assert.throws(
    () => conv2d(x, tf.zeros([3, 3, 3, 6]), b),
    /conv2d: w\.shape: got \[3, 3, 3, 6\]; expected \[any, any, 4, any\] \(x has 4 channels in 1 group\(s\)/,
  );
  assert.throws(
    () => conv2d(x, tf.zeros([3, 3, 4, 6]), b, { pad: "full" as Padding }),
    /conv2d: pad: got "full"; expected "same", "valid", a number of pixels >= 0, or \[\[top, bottom\], \[left, right\]\]/,
  );
  assert.throws(
    () => conv2d(x, tf.zeros([3, 3, 4, 6]), tf.zeros([5])),
    /conv2d: b\.shape: got \[5\]; expected \[6\]/,
  );
  assert.throws(
    () => conv2d(x, tf.zeros([7, 7, 4, 6]), b),
    /conv2d: w\.shape: got \[7, 7, 4, 6\]; expected a 7x7 filter that fits the padded 5x5 input/,
  );
  assert.throws(
    () => conv2d(tf.zeros([5, 5, 4]), tf.zeros([3, 3, 4, 6]), b),
    /conv2d: x\.shape: got \[5, 5, 4\]; expected rank 4/,
  );
  assert.throws(() => conv2d(x, tf.zeros([3, 3, 4, 6]), b, { stride: 0 }), /conv2d: stride: got 0/);
  assert.throws(
    () => new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, groups: 4 }),
    /Conv2d: groups: got 4; expected a divisor of both inChannels \(4\) and outChannels \(6\)/,
  );
  assert.throws(
    () => new Conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, init: "xavier" as "kaiming" }),
    /Conv2d: init: got "xavier"; expected one of "kaiming", "pytorch"/,
  );
});
