/**
 * One Solver iteration with nothing read back from a GPU: the model's loss and gradients,
 * the loss and gradient flags handed to a {@linkcode DeviceLossLog}, then the update rule
 * on every parameter, unless the loss or a gradient so far was not finite.
 *
 * On a GPU (webgpu, tensorflow) the update is masked by the log's all-finite flag, a
 * select over each parameter on the device, so that a non-finite loss or gradient changes
 * no parameter though the host learns of it only at the log's next flush. The rule's state
 * (momentum, Adam's moments) is not masked: the Solver stops the run at that flush and
 * drops the state with it. On cpu and wasm, where tensors are host memory, reading the
 * flag is a copy, not a stall, and costs far less than the select (wasm broadcasts a bool
 * scalar over a 3072 x 100 weight in ~20 ms): there the update is skipped instead. Either
 * way the parameters after a run stopped are those before the bad iteration.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError } from "../errors.ts";
import type { Model } from "../models/model.ts";
import type { DeviceLossLog } from "./loss_log.ts";
import type { OptimConfig, UpdateRule } from "./optim.ts";

/** How long the parts of a step took, milliseconds (as `Model.loss` measures them). */
export interface StepTimes {
  forwardMs: number;
  backwardMs: number;
  /** Gradient flags and the masked update. */
  updateMs: number;
}

/**
 * Runs one iteration on `(X, y)` and records it in `log`. `configs` holds each
 * parameter's rule config (state tensors included) and is updated in place: the state
 * tensors a rule replaces are freed. Reads nothing back; frees every tensor it makes but
 * the new parameter values and rule state.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { lossAndGrads } from "../models/model.ts";
 * import { DeviceLossLog } from "./loss_log.ts";
 * import { sgd } from "./optim.ts";
 * const w = tf.variable(tf.ones([3]));
 * const model = {
 *   params: { w },
 *   scores: (X: tf.Tensor) => X as tf.Tensor2D,
 *   loss: () => lossAndGrads({ w }, () => tf.sum(tf.square(w))),
 * };
 * const log = new DeviceLossLog(["w"]);
 * const configs = { w: { learningRate: 0.1 } };
 * solverStep(model, tf.zeros([1, 3]), tf.tensor1d([0], "int32"), sgd, configs, log);
 * const [{ loss }] = await log.flush(); // 3; w is now [0.8, 0.8, 0.8]
 * ```
 */
export function solverStep(
  model: Model,
  X: tf.Tensor,
  y: tf.Tensor1D,
  rule: UpdateRule,
  configs: Record<string, OptimConfig>,
  log: DeviceLossLog,
): StepTimes {
  const { loss, grads, forwardMs, backwardMs } = model.loss(X, y);
  const updateStart = performance.now();
  try {
    for (const name of log.parameters) {
      if (!grads[name]) {
        throw argumentError(`model.loss grads`, Object.keys(grads), `a gradient for "${name}"`);
      }
    }
    log.record(loss, grads);
    const onHost = computesOnHost();
    if (onHost && !log.allFiniteNow()) {
      return { forwardMs, backwardMs, updateMs: performance.now() - updateStart };
    }
    for (const name of log.parameters) {
      const param = model.params[name];
      const [nextW, nextConfig] = rule(param, grads[name], configs[name] ?? {});
      if (onHost) param.assign(nextW);
      else tf.tidy(() => param.assign(tf.where(log.allFinite, nextW, param)));
      nextW.dispose();
      disposeState(configs[name] ?? {}, nextConfig);
      configs[name] = nextConfig;
    }
  } finally {
    tf.dispose([loss, ...Object.values(grads)]);
  }
  return { forwardMs, backwardMs, updateMs: performance.now() - updateStart };
}

/**
 * Whether the active backend computes in host memory as kernels are called (cpu, wasm,
 * native, tensorflow): a read is then a copy, not a wait for a device, and a clock around a
 * kernel times it. On those the update is skipped by a branch on the read flag; a device
 * backend masks it with a `where` over every parameter instead (fcnet on native: 13 ms a
 * step masked, 4 ms branched).
 *
 * @example
 * ```ts
 * computesOnHost(); // true on wasm, false on webgpu
 * ```
 */
export function computesOnHost(): boolean {
  return HOST_BACKENDS.includes(tf.getBackend());
}

const HOST_BACKENDS = ["cpu", "wasm", "native", "tensorflow"];

/**
 * Frees the state tensors (velocity, cache, m, v) of `config` that `next` does not carry
 * over; all of them without `next`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const config = { learningRate: 1e-2, velocity: tf.zeros([3]) };
 * disposeState(config); // config.velocity is freed
 * ```
 */
export function disposeState(config: OptimConfig, next: OptimConfig = {}): void {
  for (const key of ["velocity", "cache", "m", "v"] as const) {
    const tensor = config[key];
    if (tensor && tensor !== next[key] && !tensor.isDisposed) tensor.dispose();
  }
}
