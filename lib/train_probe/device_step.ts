/**
 * One Solver iteration with nothing read back: loss and gradients through
 * tf.variableGrads, the loss handed to a {@linkcode DeviceLossLog}, then the update rule
 * on every parameter, masked by the log's all-finite flag so that a non-finite loss
 * changes no parameter (the Solver's rule: no update from a NaN loss), though the host
 * learns of it only at the next flush.
 *
 * The mask costs one select over each parameter per iteration, on the device: memory
 * traffic equal to reading the weights once more, small next to the backward pass. The
 * rule's state (momentum, Adam's moments) is not masked: the run stops at the next flush
 * and the state is dropped with it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { OptimConfig, UpdateRule } from "../train/optim.ts";
import type { DeviceLossLog } from "./loss_log.ts";

/** What a step needs of a model: parameters and a scalar training objective. */
export interface TrainableModel {
  readonly params: Record<string, tf.Variable>;
  /** Training-mode loss (data loss + regularization) of the batch, a scalar. */
  objective(X: tf.Tensor, y: tf.Tensor1D): tf.Scalar;
}

/**
 * Runs one iteration on `(X, y)` and records its loss in `log`. `configs` holds each
 * parameter's rule config (state tensors included) and is updated in place: the old
 * state tensors are freed. Reads nothing back.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { sgd } from "../train/optim.ts";
 * import { DeviceLossLog } from "./loss_log.ts";
 * const w = tf.variable(tf.ones([3]));
 * const model = { params: { w }, objective: () => tf.sum(tf.square(w)) as tf.Scalar };
 * const log = new DeviceLossLog();
 * const configs = { w: { learningRate: 0.1 } };
 * deviceStep(model, tf.zeros([1, 3]), tf.tensor1d([0], "int32"), sgd, configs, log);
 * const { losses } = await log.flush(); // [3]
 * ```
 */
export function deviceStep(
  model: TrainableModel,
  X: tf.Tensor,
  y: tf.Tensor1D,
  rule: UpdateRule,
  configs: Record<string, OptimConfig>,
  log: DeviceLossLog,
): void {
  const names = Object.keys(model.params);
  const { value, grads } = tf.variableGrads(
    () => model.objective(X, y),
    names.map((name) => model.params[name]),
  );
  log.record(value);
  try {
    for (const name of names) {
      const param = model.params[name];
      const [nextW, nextConfig] = rule(param, grads[param.name], configs[name] ?? {});
      tf.tidy(() => param.assign(tf.where(log.allFinite, nextW, param)));
      nextW.dispose();
      disposeReplacedState(configs[name] ?? {}, nextConfig);
      configs[name] = nextConfig;
    }
  } finally {
    tf.dispose(Object.values(grads));
  }
}

/** Frees the state tensors of `config` that `next` no longer holds. */
function disposeReplacedState(config: OptimConfig, next: OptimConfig): void {
  for (const key of ["velocity", "cache", "m", "v"] as const) {
    const tensor = config[key];
    if (tensor && tensor !== next[key] && !tensor.isDisposed) tensor.dispose();
  }
}
