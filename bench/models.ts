/**
 * The five bench models: the library's own models (lib/models), so the bench times what
 * the studies train, with the shapes, batch sizes and update rules of their PyTorch twins
 * in bench/torch_step.py. A bench step is the Solver's step (lib/train/step.ts): the
 * model's loss and gradients through tf.variableGrads (forward + backward, batchnorm's
 * closed-form backward included), the loss and gradient flags logged on the device, then
 * the update rule on every parameter, masked by the all-finite flag.
 *
 * | name            | model                                                         | batch | rule |
 * |-----------------|---------------------------------------------------------------|-------|------|
 * | fcnet           | FullyConnectedNet hidden [100] x 5 on 3072 inputs              | 100   | adam |
 * | mnist_cnn       | MNIST_NETS.mnist_cnn: conv     32 - pool - conv 64 - pool - fc  | 64    | sgd  |
 * | mnist_small_cnn | MNIST_NETS.mnist_small_cnn: variation (b)                | 128   | sgd  |
 * | mnist_resnet_bn | MNIST_NETS.mnist_resnet_bn: (b) + 3 blocks x + conv(relu(bn(x))) | 128 | sgd |
 * | convnext        | convnext(): exp:convnext     on 32x32x3, widths 32-256 | 128   | sgd, wd 1e-2 |
 *
 * `parameterCount` lets the bench check that both sides train the same number of weights.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import type { Model } from "../lib/models/model.ts";
import { convnext } from "../lib/models/convnext.ts";
import { MNIST_NETS } from "../lib/models/mnist_nets.ts";
import { MODELS } from "../lib/models/table.ts";
import { DeviceLossLog } from "../lib/train/loss_log.ts";
import { adam, type OptimConfig, sgd, type UpdateRule } from "../lib/train/optim.ts";
import { solverStep } from "../lib/train/step.ts";

/** Names of the bench models, in the order the bench runs them. */
export const BENCH_MODELS = [
  "fcnet",
  "mnist_cnn",
  "mnist_small_cnn",
  "mnist_resnet_bn",
  "convnext",
] as const;
/** A bench model name. */
export type BenchModelName = typeof BENCH_MODELS[number];

/** A model the bench can train: its training objective, besides the Model contract. */
export type BenchNet = Model & { objective(X: tf.Tensor, y: tf.Tensor1D): tf.Scalar };

/** A model with its input shape, batch size and update rule. */
export interface BenchModel {
  name: BenchModelName;
  model: BenchNet;
  /** One example's shape, NHWC without the batch axis, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Examples per step. */
  batchSize: number;
  updateRule: UpdateRule;
  /** Hyper-parameters of the update rule (state is kept per parameter by the step). */
  optimConfig: OptimConfig;
}

/**
 * Builds a bench model with fixed initial weights (seed 0).
 *
 * @example
 * ```ts
 * const bench = buildBenchModel("mnist_cnn");
 * bench.batchSize; // 64
 * ```
 */
export function buildBenchModel(name: BenchModelName): BenchModel {
  const sgdConfig = { learningRate: 1e-2 };
  switch (name) {
    case "fcnet":
      return {
        name,
        model: new FullyConnectedNet({ hiddenDims: [100, 100, 100, 100, 100], inputDim: 3072 }),
        inputShape: [3072],
        batchSize: 100,
        updateRule: adam,
        optimConfig: { learningRate: 1e-3 },
      };
    case "mnist_cnn":
    case "mnist_small_cnn":
    case "mnist_resnet_bn":
      return {
        name,
        model: MNIST_NETS[name]({ seed: 0 }),
        inputShape: [...MODELS[name].inputShape],
        batchSize: name === "mnist_cnn" ? 64 : 128,
        updateRule: sgd,
        optimConfig: sgdConfig,
      };
    case "convnext":
      return {
        name,
        model: convnext({ seed: 0 }),
        inputShape: [...MODELS[name].inputShape],
        batchSize: 128,
        updateRule: sgd,
        optimConfig: { learningRate: 1e-3, weightDecay: 1e-2 },
      };
  }
}

/**
 * Trainable values of a model (the number PyTorch's `sum(p.numel())` gives).
 *
 * @example
 * ```ts
 * parameterCount(buildBenchModel("mnist_cnn").model); // 34826
 * ```
 */
export function parameterCount(model: Model): number {
  return Object.values(model.params).reduce((sum, w) => sum + w.size, 0);
}

/**
 * A training step function for `bench`: the Solver's step (lib/train/step.ts), its rule
 * state carried from step to step, then the loss read back, as the Solver reads it at a
 * print line. Resolves to the loss: on a GPU the readback waits for the whole step, so
 * the step's time is the time to the loss. Nothing is read synchronously (webgpu under
 * Deno cannot), and the labels are uploaded each step from host memory as the Solver
 * does. No tensor outlives a step but the parameters, the model's state (batchnorm
 * running statistics), the update rule's state and the step log's flag.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * const step = trainingStep(buildBenchModel("fcnet"));
 * const loss = await step(tf.zeros([100, 3072]), new Int32Array(100));
 * ```
 */
export function trainingStep(
  bench: BenchModel,
): (X: tf.Tensor, labels: Int32Array) => Promise<number> {
  const configs: Record<string, OptimConfig> = {};
  const names = Object.keys(bench.model.params);
  for (const name of names) configs[name] = { ...bench.optimConfig };
  const log = new DeviceLossLog(names);
  return async (X, labels) => {
    const y = tf.tensor1d(labels, "int32");
    try {
      solverStep(bench.model, X, y, bench.updateRule, configs, log);
    } finally {
      y.dispose();
    }
    const [{ loss }] = await log.flush();
    return loss;
  };
}
