/**
 * Times each wasm kernel nnlab replaces: the stock tfjs-backend-wasm kernel (where it
 * exists), nnlab's kernel from lib/kernels, and the cpu backend's kernel, on the layers
 * of the exp:cnn MNIST net (batch 64) and a ConvNeXt-sized depthwise 7x7 (batch 128).
 *
 *   deno run -A bench/kernels.ts [--reps 7] [--cpu-reps 1] [--no-cpu] [--threads N]
 *
 * With the cpu column it takes about 10 minutes on 2 cores (the cpu backend's filter
 * gradients take up to 2 minutes each); `--no-cpu` takes about one.
 *
 * Prints one line per kernel and shape:
 *   kernel=<name> shape=<...> stock_ms=<median> nnlab_ms=<median> cpu_ms=<median> speedup=<stock/nnlab>
 * Times are medians over repetitions in milliseconds, after one warm-up call. `missing`
 * means tfjs-backend-wasm 4.22 has no such kernel (training fails without nnlab's).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../lib/backend/init.ts";
import { stockKernel, WASM_KERNEL_CONFIGS } from "../lib/kernels/wasm/mod.ts";
import { MAX_WASM_THREADS } from "../lib/kernels/wasm/threads.ts";
import { commandLineOrExit } from "../lib/cli/command_line.ts";
import { argumentError, numberIn } from "../lib/errors.ts";

/** One kernel invocation to time: inputs by name (shapes), attributes as the op passes. */
interface KernelCase {
  kernel: string;
  shape: string;
  inputs: Record<string, number[]>;
  attrs: Record<string, unknown>;
}

const conv = (
  kernel: "Conv2DBackpropInput" | "Conv2DBackpropFilter",
  x: number[],
  w: number[],
  strides: number,
  pad: "same" | "valid",
): KernelCase => {
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    w as [number, number, number, number],
    strides,
    1,
    pad,
  );
  const common = { strides, pad, dataFormat: "NHWC", dimRoundingMode: undefined };
  return {
    kernel,
    shape: `x[${x}]w[${w}]s${strides}${pad}`,
    inputs: kernel === "Conv2DBackpropInput"
      ? { dy: info.outShape, filter: w }
      : { x, dy: info.outShape },
    attrs: kernel === "Conv2DBackpropInput"
      ? { ...common, inputShape: x }
      : { ...common, filterShape: w },
  };
};

const depthwise = (
  kernel: "DepthwiseConv2dNativeBackpropInput" | "DepthwiseConv2dNativeBackpropFilter",
  x: number[],
  w: number[],
  strides: number,
  pad: "same" | "valid",
): KernelCase => {
  const info = tf.backend_util.computeConv2DInfo(
    x as [number, number, number, number],
    w as [number, number, number, number],
    strides,
    1,
    pad,
    undefined,
    true,
  );
  const common = { strides, pad, dilations: [1, 1], dimRoundingMode: undefined };
  return {
    kernel,
    shape: `x[${x}]w[${w}]s${strides}${pad}`,
    inputs: kernel === "DepthwiseConv2dNativeBackpropInput"
      ? { dy: info.outShape, filter: w }
      : { x, dy: info.outShape },
    attrs: kernel === "DepthwiseConv2dNativeBackpropInput"
      ? { ...common, inputShape: x }
      : { ...common, filterShape: w },
  };
};

const depthwiseForward = (x: number[], w: number[]): KernelCase => ({
  kernel: "DepthwiseConv2dNative",
  shape: `x[${x}]w[${w}]s1same`,
  inputs: { x, filter: w },
  attrs: { strides: 1, pad: "same", dilations: [1, 1], dimRoundingMode: undefined },
});

const pool = (
  kernel: "MaxPoolGrad" | "AvgPoolGrad",
  x: number[],
  size: number,
  strides: number,
  pad: "same" | "valid",
): KernelCase => {
  const info = tf.backend_util.computePool2DInfo(
    x as [number, number, number, number],
    size,
    strides,
    1,
    pad,
  );
  return {
    kernel,
    shape: `x[${x}]k${size}s${strides}${pad}`,
    inputs: kernel === "MaxPoolGrad"
      ? { dy: info.outShape, input: x, output: info.outShape }
      : { dy: info.outShape, input: x },
    attrs: { filterSize: size, strides, pad, dimRoundingMode: undefined },
  };
};

const matMul = (
  a: number[],
  b: number[],
  transposeA: boolean,
  transposeB: boolean,
): KernelCase => ({
  kernel: "BatchMatMul",
  shape: `a[${a}]${transposeA ? "T" : ""}b[${b}]${transposeB ? "T" : ""}`,
  inputs: { a, b },
  attrs: { transposeA, transposeB },
});

/**
 * The exp:cnn net at batch 64 (28x28x1 -> conv3x3 32 -> pool -> conv3x3 64 -> pool ->
 * 1600 -> 10), fcnet's matMuls, then exp:convnext's convolutions.
 */
export const BENCH_CASES: readonly KernelCase[] = [
  conv("Conv2DBackpropFilter", [64, 28, 28, 1], [3, 3, 1, 32], 1, "valid"),
  pool("MaxPoolGrad", [64, 26, 26, 32], 2, 2, "valid"),
  pool("AvgPoolGrad", [64, 26, 26, 32], 2, 2, "valid"),
  conv("Conv2DBackpropInput", [64, 13, 13, 32], [3, 3, 32, 64], 1, "valid"),
  conv("Conv2DBackpropFilter", [64, 13, 13, 32], [3, 3, 32, 64], 1, "valid"),
  pool("MaxPoolGrad", [64, 11, 11, 64], 2, 2, "valid"),
  matMul([64, 1600], [64, 10], true, false),
  matMul([64, 10], [1600, 10], false, true),
  matMul([64, 1600], [1600, 10], false, false),
  // fcnet (3072 -> 100 x5 -> 10, batch 100): first and hidden layers' weight and input
  // gradients.
  matMul([100, 3072], [100, 100], true, false),
  matMul([100, 100], [100, 100], false, true),
  matMul([100, 100], [100, 100], true, false),
  // exp:convnext at batch 128 on 32x32: stage-1 block (depthwise 7x7, 1x1 to 4C and back)
  // and the first downsampler (2x2 stride 2, 32 -> 64), then the last stage's depthwise.
  conv("Conv2DBackpropInput", [128, 32, 32, 32], [1, 1, 32, 128], 1, "valid"),
  conv("Conv2DBackpropFilter", [128, 32, 32, 32], [1, 1, 32, 128], 1, "valid"),
  conv("Conv2DBackpropInput", [128, 32, 32, 32], [2, 2, 32, 64], 2, "valid"),
  conv("Conv2DBackpropFilter", [128, 32, 32, 32], [2, 2, 32, 64], 2, "valid"),
  depthwiseForward([128, 32, 32, 32], [7, 7, 32, 1]),
  depthwiseForward([128, 16, 16, 64], [7, 7, 64, 1]),
  depthwiseForward([128, 8, 8, 128], [7, 7, 128, 1]),
  depthwise("DepthwiseConv2dNativeBackpropInput", [128, 32, 32, 32], [7, 7, 32, 1], 1, "same"),
  depthwise("DepthwiseConv2dNativeBackpropFilter", [128, 32, 32, 32], [7, 7, 32, 1], 1, "same"),
  depthwise("DepthwiseConv2dNativeBackpropInput", [128, 16, 16, 64], [7, 7, 64, 1], 1, "same"),
  depthwise("DepthwiseConv2dNativeBackpropFilter", [128, 16, 16, 64], [7, 7, 64, 1], 1, "same"),
  depthwise("DepthwiseConv2dNativeBackpropInput", [128, 8, 8, 128], [7, 7, 128, 1], 1, "same"),
  depthwise("DepthwiseConv2dNativeBackpropFilter", [128, 8, 8, 128], [7, 7, 128, 1], 1, "same"),
];

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median milliseconds of `run` over `reps` calls after one warm-up; `run` disposes its output. */
function timeMs(run: () => void, reps: number): number {
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const start = performance.now();
    run();
    times.push(performance.now() - start);
  }
  return median(times);
}

/**
 * The composed-ops alternative to the heap loops of MaxPoolGrad / AvgPoolGrad, for
 * non-overlapping windows (stride = size, valid padding): split each window into its own
 * axis, then argMax + oneHot (max; the first maximum wins, like cpu) or a broadcast (avg).
 * Timed to decide between the two formulations; the loops won (see the report).
 */
function composedPoolGrad(c: KernelCase, inputs: Record<string, tf.Tensor>): tf.Tensor | null {
  const { filterSize: k, strides, pad } = c.attrs as {
    filterSize: number;
    strides: number;
    pad: string;
  };
  if (strides !== k || pad !== "valid") return null;
  return tf.tidy(() => {
    const dy = inputs.dy as tf.Tensor4D, x = inputs.input as tf.Tensor4D;
    const [n, h, w, ch] = x.shape;
    const [, oh, ow] = dy.shape;
    let spread: tf.Tensor;
    if (c.kernel === "MaxPoolGrad") {
      const used = tf.slice(x, [0, 0, 0, 0], [n, oh * k, ow * k, ch]);
      const windows = tf.reshape(
        tf.transpose(tf.reshape(used, [n, oh, k, ow, k, ch]), [0, 1, 3, 5, 2, 4]),
        [n, oh, ow, ch, k * k],
      );
      const winner = tf.oneHot(tf.argMax(windows, -1), k * k, 1, 0, "float32");
      const routed = tf.mul(winner, tf.expandDims(dy, -1));
      spread = tf.transpose(tf.reshape(routed, [n, oh, ow, ch, k, k]), [0, 1, 4, 2, 5, 3]);
    } else {
      const share = tf.div(tf.reshape(dy, [n, oh, 1, ow, 1, ch]), k * k);
      spread = tf.broadcastTo(share, [n, oh, k, ow, k, ch]);
    }
    const dx = tf.reshape(spread, [n, oh * k, ow * k, ch]);
    return tf.pad(dx, [[0, 0], [0, h - oh * k], [0, w - ow * k], [0, 0]]);
  });
}

function makeInputs(c: KernelCase): Record<string, tf.Tensor> {
  const inputs: Record<string, tf.Tensor> = {};
  for (const [name, shape] of Object.entries(c.inputs)) inputs[name] = tf.randomNormal(shape);
  if (c.kernel === "MaxPoolGrad") {
    // The pool's real output, so that the kernel sees consistent maxima.
    const { filterSize, strides, pad } = c.attrs as {
      filterSize: number;
      strides: number;
      pad: "valid";
    };
    inputs.output.dispose();
    inputs.output = tf.maxPool(inputs.input as tf.Tensor4D, filterSize, strides, pad);
  }
  return inputs;
}

/** Runs a kernel through the engine on the current backend (nnlab's on wasm). */
function runThroughEngine(c: KernelCase, inputs: Record<string, tf.Tensor>): void {
  const out = tf.engine().runKernel(c.kernel, inputs, c.attrs as tf.NamedAttrMap);
  (Array.isArray(out) ? out : [out]).forEach((t) => (t as tf.Tensor).dispose());
}

/** Runs the stock wasm kernel directly, bypassing the registry, and frees its output. */
function runStock(c: KernelCase, inputs: Record<string, tf.Tensor>): void {
  const backend = tf.backend() as tfWasm.BackendWasm;
  const out = stockKernel(c.kernel).kernelFunc({
    inputs,
    backend,
    attrs: c.attrs as tf.NamedAttrMap,
  });
  (Array.isArray(out) ? out : [out]).forEach((t) => backend.disposeData(t.dataId));
}

function hasStock(kernel: string): boolean {
  try {
    return !WASM_KERNEL_CONFIGS.some((k) => k.kernelFunc === stockKernel(kernel).kernelFunc);
  } catch {
    return false;
  }
}

const fmt = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

async function main(): Promise<void> {
  const integer = (flag: string, text: unknown, fallback: number, min: number) => {
    if (text === undefined) return fallback;
    if (!/^\d+$/.test(String(text))) throw argumentError(flag, text, `an integer >= ${min}`);
    return numberIn(flag, Number(text), { min, integer: true });
  };
  const { reps, cpuReps, noCpu, threads } = commandLineOrExit(
    Deno.args,
    {
      reps: { type: "string" },
      "cpu-reps": { type: "string" },
      "no-cpu": { type: "boolean" },
      threads: { type: "string" },
    },
    {},
    ({ values }) => ({
      reps: integer("--reps", values.reps, 7, 1),
      cpuReps: integer("--cpu-reps", values["cpu-reps"], 1, 1),
      noCpu: values["no-cpu"] === true,
      threads: values.threads === undefined ? undefined : numberIn(
        "--threads",
        integer("--threads", values.threads, 1, 1),
        { min: 1, max: MAX_WASM_THREADS, integer: true },
      ),
    }),
  );
  // The wasm backend as nnlab starts it (threads: all cores unless --threads), kernels
  // registered; the stock ones stay reachable through stockKernel.
  await initBackend({ backend: "wasm", threads });
  console.log(
    `# tfjs ${tf.version.tfjs}, wasm threads ${tfWasm.getThreadsCount()}, ` +
      `simd ${
        tf.env().getBool("WASM_HAS_SIMD_SUPPORT")
      }; medians of ${reps} (cpu ${cpuReps}) in ms`,
  );
  for (const c of BENCH_CASES) {
    await tf.setBackend("wasm");
    const inputs = makeInputs(c);
    const stockMs = hasStock(c.kernel) ? timeMs(() => runStock(c, inputs), reps) : NaN;
    const nnlabMs = timeMs(() => runThroughEngine(c, inputs), reps);
    const composedMs = c.kernel.endsWith("PoolGrad") && composedPoolGrad(c, inputs) !== null
      ? timeMs(() => composedPoolGrad(c, inputs)?.dispose(), reps)
      : NaN;
    let cpuMs = NaN;
    if (!noCpu) {
      await tf.setBackend("cpu");
      cpuMs = timeMs(() => runThroughEngine(c, inputs), cpuReps);
    }
    Object.values(inputs).forEach((t) => t.dispose());
    console.log(
      `kernel=${c.kernel} shape=${c.shape} stock_ms=${isNaN(stockMs) ? "missing" : fmt(stockMs)} ` +
        `nnlab_ms=${fmt(nnlabMs)} cpu_ms=${isNaN(cpuMs) ? "skipped" : fmt(cpuMs)} ` +
        `speedup=${isNaN(stockMs) ? "n/a" : (stockMs / nnlabMs).toFixed(1)}` +
        (isNaN(composedMs) ? "" : ` composed_ops_ms=${fmt(composedMs)}`),
    );
  }
}

if (import.meta.main) await main();
