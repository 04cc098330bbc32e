/**
 * nnlab's filter-gradient kernels for webgpu (lib/kernels/webgpu/filter_gradients.ts)
 * against the cpu backend, each convolution case both ways (chunked reduction, and
 * patches times dy), plus the kernel's own choice: strides, paddings, depthwise
 * multipliers, chunk boundaries that fall inside an image row, and one reduction longer
 * than lavapipe's 65,535-iteration loop limit (where the stock kernel's single loop is
 * cut short on lavapipe).
 */
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import {
  chunkCount,
  MAX_CHUNK,
  MIN_CHUNK,
  TARGET_INVOCATIONS,
} from "../lib/kernels/webgpu/filter_gradient_programs.ts";
import type { WebGPUBackend } from "@tensorflow/tfjs-backend-webgpu";
import {
  filterGradientByMatMul,
  filterGradientInChunks,
} from "../lib/kernels/webgpu/filter_gradients.ts";
import { WEBGPU_KERNELS } from "../lib/kernels/webgpu/register.ts";
import {
  assertAllClose,
  randomInput,
  readOn,
  seededRandom,
  type Tolerance,
  webgpuSuite,
} from "./webgpu_helpers.ts";

Deno.test("chunkCount: enough invocations, chunks neither too short nor too long", () => {
  for (const [filterSize, positions] of [[288, 43264], [18432, 7744], [65536, 131072], [1, 1e6]]) {
    const chunks = chunkCount(filterSize, positions);
    const chunk = Math.ceil(positions / chunks);
    assert.ok(chunk <= MAX_CHUNK, `chunk ${chunk} of ${positions} positions`);
    assert.ok(chunks <= MAX_CHUNK, `${chunks} chunks`);
    assert.ok(
      chunk >= MIN_CHUNK || chunks === Math.ceil(positions / MAX_CHUNK) || chunks === 1,
      `chunk ${chunk} shorter than ${MIN_CHUNK}`,
    );
    assert.ok(
      chunks * filterSize >= Math.min(TARGET_INVOCATIONS, filterSize * positions / MIN_CHUNK),
      `${chunks * filterSize} invocations for filter ${filterSize}, ${positions} positions`,
    );
  }
  assert.equal(chunkCount(100, 10), 1, "fewer positions than a chunk: one chunk");
});

Deno.test("the webgpu kernel table says why each stock kernel was replaced", () => {
  assert.deepEqual(
    WEBGPU_KERNELS.map(({ config }) => config.kernelName).sort(),
    ["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter"],
  );
  for (const { config, why } of WEBGPU_KERNELS) {
    assert.equal(config.backendName, "webgpu", config.kernelName);
    assert.ok(why.length > 20, config.kernelName);
  }
});

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number | [number, number];
  pad: "same" | "valid" | [[number, number], [number, number], [number, number], [number, number]];
  depthwise: boolean;
}

const cases: Case[] = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "valid", depthwise: false },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: "same", depthwise: false },
  { x: [3, 9, 8, 2], filter: [3, 3, 2, 5], strides: 2, pad: "same", depthwise: false },
  { x: [2, 8, 8, 4], filter: [2, 2, 4, 8], strides: 2, pad: "valid", depthwise: false },
  { x: [2, 5, 5, 6], filter: [1, 1, 6, 7], strides: 1, pad: "valid", depthwise: false },
  { x: [1, 7, 9, 2], filter: [3, 2, 2, 3], strides: [2, 1], pad: "same", depthwise: false },
  {
    x: [2, 6, 7, 2],
    filter: [3, 3, 2, 3],
    strides: 2,
    pad: [[0, 0], [1, 2], [0, 1], [0, 0]],
    depthwise: false,
  },
  // MNIST's first layer: one input channel, many positions, a 288-element filter.
  { x: [8, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: "valid", depthwise: false },
  { x: [2, 8, 8, 4], filter: [7, 7, 4, 1], strides: 1, pad: "same", depthwise: true },
  { x: [2, 9, 9, 3], filter: [3, 3, 3, 2], strides: 2, pad: "same", depthwise: true },
  { x: [3, 16, 16, 4], filter: [7, 7, 4, 1], strides: 1, pad: "same", depthwise: true },
  // Filters large enough for the kernel to take the matrix product itself.
  { x: [2, 6, 6, 32], filter: [3, 3, 32, 32], strides: 1, pad: "valid", depthwise: false },
  { x: [2, 7, 7, 16], filter: [3, 3, 16, 64], strides: 2, pad: "same", depthwise: false },
];

/** How the filter gradient is computed: the registered kernel, or one way forced. */
type Way = "kernel" | "chunks" | "matmul";

/** Float32 sums of ~10^2-10^5 products in another order: 1e-5 of the scale (module doc). */
const TOLERANCE: Tolerance = { rel: 1e-5, abs: 1e-6 };

function filterGradient(c: Case, seed: number, way: Way = "kernel") {
  const random = seededRandom(seed);
  const x = randomInput(random, c.x);
  return () => {
    const xs = tf.tensor(x.values, c.x) as tf.Tensor4D;
    const zeros = tf.zeros(c.filter) as tf.Tensor4D;
    const outShape = c.depthwise
      ? tf.depthwiseConv2d(xs, zeros, c.strides, c.pad as "same").shape
      : tf.conv2d(xs, zeros, c.strides, c.pad).shape;
    const dy = tf.tensor(randomInput(seededRandom(seed + 1), outShape).values, outShape);
    if (way !== "kernel" && tf.getBackend() === "webgpu") {
      const backend = tf.backend() as WebGPUBackend;
      const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.strides, 1, c.pad);
      const geometry = {
        filterShape: c.filter,
        strides: [info.strideHeight, info.strideWidth] as [number, number],
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
        depthwise: c.depthwise,
      };
      const dw = way === "chunks"
        ? filterGradientInChunks(backend, xs, dy, geometry)
        : filterGradientByMatMul(backend, xs, dy, geometry, 0)!;
      return [tf.engine().makeTensorFromTensorInfo(dw)];
    }
    const dw = c.depthwise
      ? tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x: xs, dy }, {
        strides: c.strides,
        pad: c.pad,
        filterShape: c.filter,
        dilations: 1,
      })
      : tf.engine().runKernel("Conv2DBackpropFilter", { x: xs, dy }, {
        strides: c.strides,
        pad: c.pad,
        filterShape: c.filter,
        dataFormat: "NHWC",
      });
    return [dw as tf.Tensor];
  };
}

webgpuSuite("webgpu filter gradients", () => {
  Deno.test("the webgpu loader registered our kernels for webgpu only", () => {
    for (const { config } of WEBGPU_KERNELS) {
      assert.equal(tf.getKernel(config.kernelName, "webgpu")?.kernelFunc, config.kernelFunc);
      assert.notEqual(tf.getKernel(config.kernelName, "cpu")?.kernelFunc, config.kernelFunc);
    }
  });

  for (const [i, c] of cases.entries()) {
    const label = `${c.depthwise ? "depthwise " : ""}dw x=[${c.x}] w=[${c.filter}] ` +
      `s=${c.strides} pad=${JSON.stringify(c.pad)}`;
    const ways: Way[] = c.depthwise ? ["kernel"] : ["kernel", "chunks", "matmul"];
    Deno.test(`webgpu ${label}: ${ways.join(", ")} match cpu`, async () => {
      const expected = await readOn("cpu", filterGradient(c, 300 + i));
      for (const way of ways) {
        const actual = await readOn("webgpu", filterGradient(c, 300 + i, way));
        assertAllClose(`${label} (${way})`, actual, expected, TOLERANCE);
      }
    });
  }

  Deno.test("webgpu filter gradients leave no intermediate buffer behind", async () => {
    await tf.setBackend("webgpu");
    const backend = tf.backend() as WebGPUBackend;
    for (const c of [cases[1], cases[4], cases[cases.length - 1]]) {
      for (const way of ["kernel", "chunks", "matmul"] as Way[]) {
        const compute = filterGradient(c, 1, way);
        await tf.nextFrame();
        const before = backend.numDataIds();
        const [dw] = tf.tidy(compute);
        await dw.data();
        dw.dispose();
        assert.equal(backend.numDataIds(), before, `${way} x=[${c.x}]`);
      }
    }
    await tf.setBackend("cpu");
  });

  // 80 * 32 * 32 = 81,920 positions: past lavapipe's loop limit for a single loop.
  const long: Case = {
    x: [80, 32, 32, 2],
    filter: [7, 7, 2, 1],
    strides: 1,
    pad: "same",
    depthwise: true,
  };
  Deno.test(
    "webgpu depthwise dw over 81,920 positions (a ConvNeXt layer at batch 80): matches cpu",
    async () => {
      const compute = filterGradient(long, 400);
      assertAllClose(
        "long reduction",
        await readOn("webgpu", compute),
        await readOn("cpu", compute),
        TOLERANCE,
      );
    },
  );
});
