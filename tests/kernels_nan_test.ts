/**
 * NaN on wasm as on cpu: relu and relu6, the fused matMul and convolution activations,
 * and the XNNPACK convolutions whose clamp turns NaN into -Infinity. Inputs hold NaN of
 * both signs (0xffc00000 is what Inf - Inf gives), both infinities and both zeros; the
 * overflow cases make Inf - Inf inside the product itself. Where cpu gives NaN, wasm must
 * too; elsewhere the values agree (bit for bit for relu, to float32 rounding for products).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { allFinite, copyNaN, knownFinite, stockKernel } from "../lib/kernels/wasm/mod.ts";
import { randomValues, seededRandom, useWasmAndCpu } from "./kernels_helpers.ts";

await useWasmAndCpu();

/** -NaN, +NaN, +Inf, -Inf, +0, -0, and a few numbers. */
const SPECIAL = new Float32Array(
  new Uint32Array([
    0xffc00000,
    0x7fc00000,
    0x7f800000,
    0xff800000,
    0x00000000,
    0x80000000,
    0x3f800000,
    0xbf800000,
    0x40e00000, // 7, above relu6's cap
    0x3f000000,
  ]).buffer,
);

/** Runs `f` on `backend` and reads its output back. */
async function on(backend: "wasm" | "cpu", f: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const out = tf.tidy(f);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

/**
 * Asserts wasm matches cpu: NaN at the same places, infinities equal, numbers equal to
 * `rtol` (0: bit for bit, except the sign of a zero, which no study depends on).
 */
async function assertLikeCpu(name: string, f: () => tf.Tensor, rtol = 0): Promise<void> {
  const cpu = await on("cpu", f);
  const wasm = await on("wasm", f);
  assert.equal(wasm.length, cpu.length, name);
  const nanCpu = cpu.map((v) => Number(Number.isNaN(v)));
  const nanWasm = wasm.map((v) => Number(Number.isNaN(v)));
  assert.deepEqual([...nanWasm], [...nanCpu], `${name}: NaN where cpu has NaN`);
  for (let i = 0; i < cpu.length; i++) {
    if (Number.isNaN(cpu[i])) continue;
    const close = cpu[i] === wasm[i] ||
      (Number.isFinite(cpu[i]) && Math.abs(cpu[i] - wasm[i]) <= rtol * Math.abs(cpu[i]) + 1e-6);
    assert.ok(close, `${name}[${i}]: wasm ${wasm[i]}, cpu ${cpu[i]}`);
  }
  assert.ok(nanCpu.some((v) => v === 1), `${name}: the case must produce a NaN`);
}

Deno.test("the stock wasm relu turns -NaN into 0 and relu6 every NaN: why nnlab replaces them", async () => {
  await tf.setBackend("wasm");
  const x = tf.tensor1d(SPECIAL);
  const backend = tf.backend();
  for (const [name, nanOut] of [["Relu", [0, NaN]], ["Relu6", [0, 0]]] as const) {
    const info = stockKernel(name).kernelFunc({ inputs: { x }, backend }) as tf.TensorInfo;
    const out = tf.engine().makeTensorFromTensorInfo(info);
    assert.deepEqual([...(await out.data()).slice(0, 2)], nanOut, name);
    out.dispose();
  }
  x.dispose();
});

Deno.test("relu and relu6 on wasm keep NaN of either sign, and agree with cpu bit for bit", async () => {
  await assertLikeCpu("relu", () => tf.relu(tf.tensor1d(SPECIAL)));
  await assertLikeCpu("relu6", () => tf.relu6(tf.tensor1d(SPECIAL)));
  const y = new Float32Array([0, 0, 5]);
  assert.equal(copyNaN(new Float32Array([NaN, -1, 5]), y), true);
  assert.deepEqual([...y], [NaN, 0, 5]);
  assert.equal(copyNaN(new Float32Array([1, -Infinity]), y.subarray(0, 2)), false);
  // Leaky relu, prelu and elu keep NaN on stock wasm already.
  await assertLikeCpu("leakyRelu", () => tf.leakyRelu(tf.tensor1d(SPECIAL), 0.1));
  await assertLikeCpu("prelu", () => tf.prelu(tf.tensor1d(SPECIAL), tf.tensor1d([0.1])));
  await assertLikeCpu("elu", () => tf.elu(tf.tensor1d(SPECIAL)));
});

Deno.test("fused matMul with relu or relu6 keeps NaN, from the input and from Inf - Inf", async () => {
  const a = () => tf.tensor2d(SPECIAL, [SPECIAL.length, 1]);
  const one = () => tf.tensor2d([1], [1, 1]);
  for (const activation of ["relu", "relu6", "leakyrelu", "elu", "sigmoid"] as const) {
    await assertLikeCpu(
      `matMul.${activation}`,
      () => tf.fused.matMul({ a: a(), b: one(), bias: tf.tensor1d([0]), activation }),
    );
  }
  // 1e30 * 1e30 + 1e30 * -1e30 overflows float32 to Inf - Inf = NaN on wasm. (The cpu
  // backend sums in float64, where it is 0: the two backends differ on overflow, so this
  // case is checked against float32 arithmetic instead.)
  await tf.setBackend("wasm");
  const overflow = tf.fused.matMul({
    a: tf.tensor2d([1e30, 1e30, 1, 2], [2, 2]),
    b: tf.tensor2d([1e30, -1e30], [2, 1]),
    activation: "relu",
  });
  const values = await overflow.data();
  overflow.dispose();
  assert.ok(Number.isNaN(values[0]), `relu(Inf - Inf) is ${values[0]}`);
  assert.equal(values[1], 0, "relu(1e30 - 2e30) is 0");
});

/** An image (1, 4, 5, 2) of random values with the special ones in channel 0. */
function image(): tf.Tensor4D {
  const values = randomValues(seededRandom(3), 40);
  for (let i = 0; i < SPECIAL.length; i++) values[2 * i] = SPECIAL[i];
  return tf.tensor4d(values, [1, 4, 5, 2]);
}

Deno.test("fused conv2d and depthwise conv2d keep NaN through the convolution and every activation", async () => {
  const random = seededRandom(5);
  const filter1 = randomValues(random, 1 * 1 * 2 * 3);
  const filter3 = randomValues(random, 3 * 3 * 2 * 3);
  const depthwise3 = randomValues(random, 3 * 3 * 2 * 1);
  const bias = randomValues(random, 3);
  for (const activation of ["linear", "relu", "relu6", "leakyrelu", "prelu", "elu"] as const) {
    const prelu = activation === "prelu" ? () => tf.scalar(0.1) : () => undefined;
    for (const [size, values] of [[1, filter1], [3, filter3]] as const) {
      await assertLikeCpu(
        `conv2d ${size}x${size} ${activation}`,
        () =>
          tf.fused.conv2d({
            x: image(),
            filter: tf.tensor4d(values, [size, size, 2, 3]),
            strides: 1,
            pad: "same",
            bias: tf.tensor1d(bias),
            activation,
            preluActivationWeights: prelu(),
            leakyreluAlpha: 0.1,
          }),
        1e-5,
      );
    }
    await assertLikeCpu(
      `depthwise 3x3 ${activation}`,
      () =>
        tf.fused.depthwiseConv2d({
          x: image(),
          filter: tf.tensor4d(depthwise3, [3, 3, 2, 1]),
          strides: 1,
          pad: "same",
          bias: tf.tensor1d(bias.slice(0, 2)),
          activation,
          preluActivationWeights: prelu(),
          leakyreluAlpha: 0.1,
        }),
      1e-5,
    );
  }
});

Deno.test("conv2d and depthwiseConv2d (7x7 in 5x5 pieces too) keep NaN; Inf - Inf stays NaN", async () => {
  await assertLikeCpu(
    "depthwise 7x7 NaN input",
    () => {
      const values = randomValues(seededRandom(11), 16 * 16 * 2);
      values[2 * (16 * 8 + 8)] = NaN;
      values[2 * (16 * 3 + 3) + 1] = Infinity;
      return tf.depthwiseConv2d(
        tf.tensor4d(values, [1, 16, 16, 2]),
        tf.tensor4d(randomValues(seededRandom(12), 7 * 7 * 2), [7, 7, 2, 1]),
        1,
        "same",
      );
    },
    1e-4,
  );
  await assertLikeCpu(
    "conv2d 1x1 NaN input",
    () =>
      tf.conv2d(image(), tf.tensor4d(randomValues(seededRandom(13), 6), [1, 1, 2, 3]), 1, "valid"),
    1e-5,
  );
  // Two channels of 1e30 against taps of +1e30 and -1e30: in float32 each product
  // overflows and the sum is Inf - Inf, which XNNPACK's clamp turned into -Infinity.
  // (cpu sums otherwise; checked against float32 arithmetic.)
  await tf.setBackend("wasm");
  const overflow = tf.conv2d(
    tf.fill([1, 3, 3, 2], 1e30) as tf.Tensor4D,
    tf.tensor4d([1e30, -1e30], [1, 1, 2, 1]),
    1,
    "valid",
  );
  const values = await overflow.data();
  overflow.dispose();
  assert.ok(values.every(Number.isNaN), `Inf - Inf gave ${values[0]}`);
});

Deno.test("a two-layer net with weights of 1e30: the loss is NaN on wasm as on cpu", async () => {
  const random = seededRandom(1);
  const x = randomValues(random, 4 * 6);
  const w1 = randomValues(random, 6 * 5).map((v) => v * 1e30);
  const w2 = randomValues(random, 5 * 3).map((v) => v * 1e30);
  const loss = () =>
    tf.losses.softmaxCrossEntropy(
      tf.oneHot(tf.tensor1d([0, 1, 2, 0], "int32"), 3),
      tf.matMul(
        tf.relu(tf.matMul(tf.tensor2d(x, [4, 6]), tf.tensor2d(w1, [6, 5]))),
        tf.tensor2d(w2, [5, 3]),
      ),
    );
  const cpu = await on("cpu", loss);
  const wasm = await on("wasm", loss);
  assert.ok(!Number.isFinite(cpu[0]), `cpu loss ${cpu[0]}`);
  assert.ok(!Number.isFinite(wasm[0]), `wasm loss ${wasm[0]}: divergence is visible`);
});

Deno.test("a convolution output scanned finite is known finite; one with NaN is not", async () => {
  await tf.setBackend("wasm");
  const filter = tf.ones([1, 1, 2, 3]) as tf.Tensor4D;
  const finite = tf.fused.conv2d({
    x: tf.ones([1, 2, 2, 2]) as tf.Tensor4D,
    filter,
    strides: 1,
    pad: "valid",
  });
  const withNaN = tf.fused.conv2d({ x: image(), filter, strides: 1, pad: "valid" });
  assert.equal(knownFinite(finite.dataId), true);
  assert.equal(knownFinite(withNaN.dataId), false);
  // The relu of a known-finite buffer skips its scan and is still right.
  assert.deepEqual([...(await tf.relu(finite).data())], Array(12).fill(2));
  tf.dispose([filter, finite, withNaN]);
});

Deno.test("allFinite finds an infinity or a NaN anywhere", () => {
  assert.ok(allFinite(new Float32Array([0, -0, 3.4e38, -1])));
  for (const bad of [NaN, Infinity, -Infinity]) {
    const values = new Float32Array(1000);
    values[999] = bad;
    assert.equal(allFinite(values), false, String(bad));
  }
});
