/**
 * A classifier made of an ordered list of named layers and blocks, PyTorch's
 * `nn.Sequential` with cs231n's `loss(X, y)`: softmax cross-entropy of the last layer's
 * scores plus L2 regularization 0.5 * reg * sum(W^2) over the weights.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import {
  checkChildNames,
  disposeModule,
  type ModuleWithChildren,
  type NamedModule,
  prefixedVariables,
} from "../blocks/children.ts";
import { softmaxLoss } from "../layers/losses.ts";
import type { ForwardOptions } from "../layers/module.ts";
import { type LossAndGrads, lossAndGrads, type Model } from "./model.ts";

/** Options of {@linkcode Sequential}. */
export interface SequentialOptions {
  /** L2 regularization strength on the weights (parameters named `W`); default 0. */
  reg?: number;
  /**
   * Public names for parameters, by their PyTorch-style key (`{ "conv.W": "W1" }`), for
   * models that keep a course's names; unlisted parameters keep their key.
   */
  paramNames?: Record<string, string>;
}

/**
 * Layers applied in order; parameters keyed `<layer>.<param>` (`conv1.W`,
 * `block1_1.bn.gamma`), state (batchnorm running statistics) likewise.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Sequential } from "./sequential.ts";
 * import { ReLU } from "../layers/activations.ts";
 * import { Affine } from "../layers/affine.ts";
 * import { Conv2d } from "../layers/conv.ts";
 * import { Flatten } from "../layers/flatten.ts";
 *
 * const model = new Sequential([
 *   ["conv1", new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, pad: 1 })],
 *   ["relu1", new ReLU()],
 *   ["flatten", new Flatten()],
 *   ["fc", new Affine({ inputDim: 28 * 28 * 8, outputDim: 10 })],
 * ], { reg: 1e-4 });
 * const X = tf.randomNormal([2, 28, 28, 1]); // (N, H, W, C)
 * const y = tf.tensor1d([3, 7], "int32");
 * const { loss, grads } = model.loss(X, y);
 * Object.keys(grads); // ["conv1.W", "conv1.b", "fc.W", "fc.b"]
 * model.loss(X).shape; // [2, 10]: the scores, test mode
 * model.dispose();
 * ```
 */
export class Sequential implements Model, ModuleWithChildren {
  /** The layers in order, as `[name, module]`. */
  readonly layers: readonly NamedModule[];
  readonly params: Record<string, tf.Variable>;
  readonly state: Record<string, tf.Variable>;
  readonly reg: number;
  /** Public names of the regularized parameters (the `W` of every layer). */
  readonly weightNames: readonly string[];

  constructor(layers: readonly NamedModule[], options: SequentialOptions = {}) {
    if (!Array.isArray(layers) || layers.length === 0) {
      throw argumentError("Sequential: layers", layers, "a non-empty list of [name, module]");
    }
    checkChildNames("Sequential", layers);
    this.layers = layers;
    this.reg = numberIn("Sequential: reg", options.reg ?? 0, { min: 0 });
    const byKey = prefixedVariables(layers, "params");
    const rename = options.paramNames ?? {};
    for (const key of Object.keys(rename)) {
      if (!(key in byKey)) {
        throw argumentError(
          "Sequential: paramNames",
          key,
          `a parameter key of the layers (${Object.keys(byKey).join(", ")})`,
        );
      }
    }
    this.params = {};
    const weightNames: string[] = [];
    for (const [key, variable] of Object.entries(byKey)) {
      const name = rename[key] ?? key;
      if (name in this.params) {
        throw argumentError("Sequential: paramNames", rename, "names used once each");
      }
      this.params[name] = variable;
      if (key.endsWith(".W")) weightNames.push(name);
    }
    this.weightNames = weightNames;
    this.state = prefixedVariables(layers, "state");
  }

  /** The layers, under the name every module with children uses. */
  get children(): readonly NamedModule[] {
    return this.layers;
  }

  /** The last layer's output for `x`; any shape, for use as a block. */
  forward(x: tf.Tensor, options: ForwardOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      let out = x;
      for (const [, layer] of this.layers) out = layer.forward(out, options);
      return out;
    });
  }

  /**
   * Class scores.
   *
   * @param X `(N, H, W, C)` images (or `(N, D)` for a net that starts with an affine)
   * @returns `(N, numClasses)`
   */
  scores(X: tf.Tensor, { training = false }: ForwardOptions = {}): tf.Tensor2D {
    const out = this.forward(X, { training });
    if (out.rank !== 2) {
      const shape = out.shape;
      out.dispose();
      throw argumentError(
        "Sequential: output shape",
        shape,
        "[N, numClasses] from the last layer (end the model with an affine layer)",
      );
    }
    return out as tf.Tensor2D;
  }

  /**
   * Training objective: softmax loss of training-mode scores plus 0.5 * reg * sum(W^2).
   *
   * @param y `(N,)` int32 labels
   */
  objective(X: tf.Tensor, y: tf.Tensor1D): tf.Scalar {
    return tf.tidy(() => {
      const dataLoss = softmaxLoss(this.scores(X, { training: true }), y);
      if (this.reg === 0 || this.weightNames.length === 0) return dataLoss;
      const squares = this.weightNames.map((name) => tf.sum(tf.square(this.params[name])));
      return tf.add(dataLoss, tf.mul(0.5 * this.reg, tf.addN(squares))) as tf.Scalar;
    });
  }

  /** Test-mode scores `(N, C)` when `y` is absent (cs231n's convention). */
  loss(X: tf.Tensor): tf.Tensor2D;
  /** Loss and a gradient for every named parameter. */
  loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads;
  loss(X: tf.Tensor, y?: tf.Tensor1D): LossAndGrads | tf.Tensor2D {
    if (y === undefined) return this.scores(X);
    return lossAndGrads(this.params, () => this.objective(X, y));
  }

  /** Frees every parameter and state variable; the model cannot be used afterwards. */
  dispose(): void {
    disposeModule(this);
  }
}
