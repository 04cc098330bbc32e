/**
 * `deno task gpu`: does nnlab train on this machine's GPU? Prints the WebGPU adapter Deno
 * finds, or in one line why there is none (on Linux: which Vulkan driver file is
 * missing); whether `--backend auto` picks it; then trains a few Solver iterations of
 * mnist_cnn on it and on the cpu backend and compares their losses. Exits 0 when webgpu
 * trains and agrees with cpu, 1 otherwise.
 *
 * @example
 * ```sh
 * deno task gpu
 * ```
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend/init.ts";
import type { LabeledImages } from "../data/types.ts";
import { adapterSummary } from "../kernels/webgpu/adapter_info.ts";
import { loadWebgpuBackend, probeWebgpuAdapter } from "../kernels/webgpu/load.ts";
import { loadModel, MODELS } from "../models/table.ts";
import { Random } from "../random.ts";
import { Solver } from "../train/solver.ts";
import { commandLineOrExit } from "./command_line.ts";

/** Largest |webgpu - cpu| / max(1, |cpu|) over the losses that passes: float32 round-off. */
export const LOSS_TOLERANCE = 1e-4;

/**
 * Runs the check, writing its lines to `log`; resolves to whether webgpu trains and
 * agrees with cpu.
 *
 * @example
 * ```ts
 * const ok = await gpuCheck(); // prints the adapter and the training check
 * ```
 */
export async function gpuCheck(log: (line: string) => void = console.log): Promise<boolean> {
  const adapter = await probeWebgpuAdapter();
  if (adapter === undefined) {
    const reason = await loadWebgpuBackend({ allowSoftware: true }).then(
      () => "an adapter appeared only on the second request",
      (error) => (error as Error).message,
    );
    log(`webgpu: ${reason}`);
    log(
      "studies train on the CPU: native (oneDNN) where `deno task setup:native` installed it, " +
        "else wasm",
    );
    return false;
  }
  log(`adapter: ${adapterSummary(adapter)}`);
  log(
    adapter.software
      ? `  a software adapter (${adapter.softwareReason}): --backend auto passes it over; ` +
        "--backend webgpu trains on it, which checks correctness, not speed"
      : "  a hardware adapter: --backend auto trains on it (after tfjs-node, where that loads)",
  );
  await initBackend({ backend: "webgpu" });
  const onGpu = await trainFewSteps();
  await tf.setBackend("cpu");
  // tfjs's cpu backend greets its first tensor under Node with a banner about tfjs-node.
  (tf.backend() as { firstUse?: boolean }).firstUse = false;
  const onCpu = await trainFewSteps();
  const worst = Math.max(
    ...onGpu.losses.map((loss, i) =>
      Math.abs(loss - onCpu.losses[i]) / Math.max(1, onCpu.losses[i])
    ),
  );
  const agrees = worst <= LOSS_TOLERANCE;
  log(
    `training: mnist_cnn, ${onGpu.losses.length} SGD iterations of ${BATCH} images on webgpu: ` +
      `losses ${onGpu.losses.map((loss) => loss.toFixed(4)).join(" ")}, ` +
      `${Math.round(onGpu.msPerIteration)} ms an iteration; ` +
      (agrees
        ? `the cpu backend gives the same losses (largest difference ${worst.toExponential(1)})`
        : `the cpu backend differs by ${worst.toExponential(2)}: ${onCpu.losses.join(" ")}`),
  );
  return agrees;
}

const BATCH = 4;

/** Three Solver iterations of mnist_cnn on seeded random digits, on the active backend. */
async function trainFewSteps(): Promise<{ losses: number[]; msPerIteration: number }> {
  const shape = [...MODELS.mnist_cnn.inputShape];
  const size = shape.reduce((a, b) => a * b, 1);
  const random = new Random(0);
  const n = 3 * BATCH;
  const train: LabeledImages = {
    x: Float32Array.from(random.normalArray(n * size, 0, 1)),
    y: Int32Array.from({ length: n }, (_, i) => i % 10),
    shape: [n, ...shape],
  };
  const empty = { x: new Float32Array(0), y: new Int32Array(0), shape: [0, ...shape] };
  const model = await loadModel("mnist_cnn", { seed: 0 });
  try {
    const result = await new Solver(model, { train, val: empty }, {
      verbose: false,
      numEpochs: 1,
      batchSize: BATCH,
      numTrainSamples: BATCH,
      printEvery: 1,
      optimConfig: { learningRate: 1e-2 },
    }).train();
    const { timings } = result;
    const msPerIteration = timings.dataMs + (timings.computeMs ??
      timings.forwardMs + timings.backwardMs + timings.updateMs);
    return { losses: result.history.lossHistory, msPerIteration };
  } finally {
    if (model.dispose) model.dispose();
    else tf.dispose(Object.values(model.params));
  }
}

if (import.meta.main) {
  commandLineOrExit(Deno.args, {}, {}, () => undefined); // no flags: an unknown one is an error
  try {
    if (!(await gpuCheck())) Deno.exitCode = 1;
  } catch (error) {
    console.error(`error: ${(error as Error).message.split("\n")[0]}`);
    Deno.exitCode = 1;
  }
}
