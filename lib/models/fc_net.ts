/**
 * cs231n's fully connected net:
 * `{affine - [batchnorm | layernorm] - relu - [dropout]} x (L - 1) - affine - softmax`,
 * with weights weightScale * N(0, 1), zero biases, and L2 regularization 0.5 * reg * sum(W^2)
 * on the weights only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn, oneOf } from "../errors.ts";
import { Affine } from "../layers/affine.ts";
import { BatchNorm } from "../layers/batchnorm.ts";
import { Dropout } from "../layers/dropout.ts";
import { LayerNorm } from "../layers/layernorm.ts";
import { softmaxLoss } from "../layers/losses.ts";
import { relu } from "../layers/activations.ts";
import type { Module } from "../layers/module.ts";
import type { ImageShape } from "./image_shape.ts";
import { type LossAndGrads, lossAndGrads, type Model } from "./model.ts";

/** Normalizations between the affine layers and the relus. */
export const NORMALIZATIONS = ["batchnorm", "layernorm", null] as const;
/** A normalization choice; `null` for none. */
export type Normalization = typeof NORMALIZATIONS[number];

/** Options of {@linkcode FullyConnectedNet}, with cs231n's defaults. */
export interface FullyConnectedNetOptions {
  /** Sizes of the hidden layers, e.g. [100, 100]. */
  hiddenDims: number[];
  /** Features per example; default 3 * 32 * 32. */
  inputDim?: number;
  /** Default 10. */
  numClasses?: number;
  /** Default null (none). */
  normalization?: Normalization;
  /** Inverted-dropout keep probability in (0, 1]; 1 (default) means no dropout. */
  dropoutKeepProb?: number;
  /** Standard deviation of the initial weights; default 1e-2. */
  weightScale?: number;
  /** L2 regularization strength; default 0. */
  reg?: number;
  /** Seeds the weights and the dropout masks; default 0. */
  seed?: number;
}

/**
 * A fully connected classifier with parameters `W1, b1, gamma1, beta1, ..., WL, bL`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { FullyConnectedNet } from "./fc_net.ts";
 *
 * const model = new FullyConnectedNet({
 *   hiddenDims: [100, 100],
 *   inputDim: 784,
 *   normalization: "batchnorm",
 *   reg: 1e-3,
 * });
 * const X = tf.randomNormal([4, 784]); // (N, D)
 * const y = tf.tensor1d([0, 3, 5, 9], "int32"); // (N,)
 * const { loss, grads } = model.loss(X, y); // loss: a scalar tensor, ln(10) = 2.3 at first
 * Object.keys(grads); // ["W1", "b1", "gamma1", "beta1", "W2", "b2", "gamma2", "beta2", "W3", "b3"]
 * const scores = model.loss(X); // test mode
 * scores.shape; // [4, 10]
 * ```
 */
export class FullyConnectedNet implements Model {
  readonly params: Record<string, tf.Variable> = {};
  readonly numLayers: number;
  readonly reg: number;
  readonly normalization: Normalization;
  private readonly affines: Affine[] = [];
  private readonly norms: Module[] = [];
  private readonly dropouts: Dropout[] = [];

  constructor(options: FullyConnectedNetOptions) {
    const {
      hiddenDims,
      inputDim = 3 * 32 * 32,
      numClasses = 10,
      normalization = null,
      dropoutKeepProb = 1,
      weightScale = 1e-2,
      reg = 0,
      seed = 0,
    } = options;
    if (!Array.isArray(hiddenDims) || !hiddenDims.every((d) => Number.isInteger(d) && d > 0)) {
      throw argumentError("hiddenDims", hiddenDims, "a list of positive integers, e.g. [100, 100]");
    }
    numberIn("inputDim", inputDim, { min: 1, integer: true });
    numberIn("numClasses", numClasses, { min: 2, integer: true });
    this.normalization = oneOf("normalization", normalization, NORMALIZATIONS);
    if (!(typeof dropoutKeepProb === "number" && dropoutKeepProb > 0 && dropoutKeepProb <= 1)) {
      throw argumentError("dropoutKeepProb", dropoutKeepProb, "a number in (0, 1]");
    }
    numberIn("weightScale", weightScale, { min: 0 });
    this.reg = numberIn("reg", reg, { min: 0 });
    numberIn("seed", seed, { integer: true });

    const dims = [inputDim, ...hiddenDims, numClasses];
    this.numLayers = dims.length - 1;
    for (let i = 0; i < this.numLayers; i++) {
      const layer = i + 1;
      const affine = new Affine({
        inputDim: dims[i],
        outputDim: dims[i + 1],
        weightScale,
        seed: seed * 1000 + layer,
      });
      this.affines.push(affine);
      this.params[`W${layer}`] = affine.params.W;
      this.params[`b${layer}`] = affine.params.b;
      if (i === this.numLayers - 1) break;
      if (this.normalization !== null) {
        const norm = this.normalization === "batchnorm"
          ? new BatchNorm(dims[i + 1])
          : new LayerNorm(dims[i + 1]);
        this.norms.push(norm);
        this.params[`gamma${layer}`] = norm.params.gamma;
        this.params[`beta${layer}`] = norm.params.beta;
      }
      if (dropoutKeepProb < 1) {
        this.dropouts.push(new Dropout({ keepProb: dropoutKeepProb, seed: seed * 1000 + layer }));
      }
    }
  }

  /**
   * Class scores.
   *
   * @param X `(N, d_1, ..., d_k)` with d_1 * ... * d_k = inputDim
   * @returns `(N, numClasses)`
   */
  scores(X: tf.Tensor, { training = false }: { training?: boolean } = {}): tf.Tensor2D {
    return tf.tidy(() => {
      let out: tf.Tensor = X;
      for (let i = 0; i < this.numLayers - 1; i++) {
        out = this.affines[i].forward(out);
        if (this.norms[i]) out = this.norms[i].forward(out, { training });
        out = relu(out);
        if (this.dropouts[i]) out = this.dropouts[i].forward(out, { training });
      }
      return this.affines[this.numLayers - 1].forward(out) as tf.Tensor2D;
    });
  }

  /**
   * Training objective: softmax loss of training-mode scores plus 0.5 * reg * sum(W^2).
   *
   * @param y `(N,)` int32 labels
   */
  objective(X: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const dataLoss = softmaxLoss(this.scores(X, { training: true }), y);
      if (this.reg === 0) return dataLoss;
      const squares = this.affines.map((a) => tf.sum(tf.square(a.params.W)));
      return tf.add(dataLoss, tf.mul(0.5 * this.reg, tf.addN(squares))) as tf.Scalar;
    });
  }

  /** Frees every parameter and batchnorm statistic; the model cannot be used afterwards. */
  dispose(): void {
    const modules: Module[] = [...this.affines, ...this.norms];
    for (const module of modules) {
      tf.dispose([...Object.values(module.params), ...Object.values(module.state ?? {})]);
    }
  }

  /** Makes the next training pass draw the same dropout masks again (for gradient checks). */
  resetDropout(): void {
    for (const d of this.dropouts) d.resetMasks();
  }

  /** Test-mode scores `(N, C)` when `y` is absent (cs231n's convention). */
  loss(X: tf.Tensor): tf.Tensor2D;
  /** Loss and a gradient for every named parameter. */
  loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads;
  loss(X: tf.Tensor, y?: tf.Tensor1D): LossAndGrads | tf.Tensor2D {
    if (y === undefined) return this.scores(X);
    return lossAndGrads(this.params, () => this.objective(X, y));
  }
}

/**
 * A {@linkcode FullyConnectedNet} sized for images of `inputShape` (flattened), the
 * model table's way to build it.
 *
 * @example
 * ```ts
 * import { fullyConnectedNet } from "./fc_net.ts";
 *
 * const model = fullyConnectedNet({ hiddenDims: [100], inputShape: [28, 28, 1], seed: 0 });
 * model.params.W1.shape; // [784, 100]
 * ```
 */
export function fullyConnectedNet(
  options: Omit<FullyConnectedNetOptions, "inputDim"> & { inputShape?: ImageShape },
): FullyConnectedNet {
  const { inputShape, ...rest } = options;
  return new FullyConnectedNet({
    ...rest,
    ...(inputShape ? { inputDim: inputShape.reduce((a, b) => a * b, 1) } : {}),
  });
}
