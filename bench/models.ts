/**
 * The five bench models, built from tf ops (NHWC), with the shapes, batch sizes and
 * update rules of their PyTorch twins in bench/torch_step.py. They implement the
 * {@linkcode Model} contract, so a bench step is the Solver's step: `model.loss(X, y)`
 * (forward + autodiff backward), then the update rule on every parameter.
 *
 * | name            | network                                                     | batch | rule |
 * |-----------------|-------------------------------------------------------------|-------|------|
 * | fcnet           | affine-relu x5 (3072 -> 100 ...), affine 100 -> 10          | 100   | adam |
 * | mnist_cnn       | conv 1->32 3x3, relu, pool2, conv 32->64 3x3, relu, pool2, affine 1600->10 | 64 | sgd |
 * | mnist_small_cnn | conv 3x3 pad 1: 1->8, relu, pool2, 8->16, relu, pool2, 16->32, relu, affine 1568->10 | 128 | sgd |
 * | mnist_resnet_bn | mnist_small_cnn + 3 blocks `x + conv(relu(bn(x)))` after each conv | 128 | sgd |
 * | convnext        | exp:convnext on 32x32x3, widths 32-64-128-256, 2 blocks a stage | 128 | sgd, wd 1e-2 |
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type LossAndGrads, lossAndGrads, type Model } from "../lib/models/model.ts";
import { adam, type OptimConfig, sgd, type UpdateRule } from "../lib/optim.ts";

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

/** A model with its input shape, batch size and update rule. */
export interface BenchModel {
  name: BenchModelName;
  model: Model;
  /** One example's shape, NHWC without the batch axis, e.g. [28, 28, 1]. */
  inputShape: number[];
  /** Examples per step. */
  batchSize: number;
  updateRule: UpdateRule;
  /** Hyper-parameters of the update rule (state is kept per parameter by the step). */
  optimConfig: OptimConfig;
}

/** Builds parameters with fixed seeds, so every run starts from the same weights. */
class ParamFactory {
  readonly params: Record<string, tf.Variable> = {};
  #seed = 1;

  /** He-normal weight of `shape`; `fanIn` inputs feed each output. */
  weight(name: string, shape: number[], fanIn: number): tf.Variable {
    const std = Math.sqrt(2 / fanIn);
    return this.#add(name, tf.randomNormal(shape, 0, std, "float32", this.#seed++));
  }

  /** Constant-filled parameter (biases 0, norm scales 1). */
  constant(name: string, shape: number[], value: number): tf.Variable {
    return this.#add(name, tf.fill(shape, value));
  }

  #add(name: string, init: tf.Tensor): tf.Variable {
    const variable = tf.variable(init, true, name);
    init.dispose();
    this.params[name] = variable;
    return variable;
  }
}

/** Mean softmax cross-entropy of scores (N, C) against one-hot labels (N, C). */
function softmaxCrossEntropy(scores: tf.Tensor2D, oneHot: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(scores)), 1)));
}

/** A Model from a parameter set and a forward function of the batch. */
function asModel(
  params: Record<string, tf.Variable>,
  forward: (x: tf.Tensor) => tf.Tensor2D,
): Model {
  return {
    params,
    scores: (X) => tf.tidy(() => forward(X)),
    loss(X: tf.Tensor, y: tf.Tensor1D): LossAndGrads {
      const oneHot = tf.tidy(() => tf.oneHot(y, 10).toFloat() as tf.Tensor2D);
      const result = lossAndGrads(params, () => softmaxCrossEntropy(forward(X), oneHot));
      oneHot.dispose();
      return result;
    },
  };
}

/** Convolution with bias, NHWC, filter (kh, kw, cIn, cOut). */
function conv(
  p: ParamFactory,
  name: string,
  [kh, kw, cIn, cOut]: [number, number, number, number],
  options: { stride?: number; pad?: "same" | "valid" | number } = {},
) {
  const w = p.weight(`W${name}`, [kh, kw, cIn, cOut], kh * kw * cIn);
  const b = p.constant(`b${name}`, [cOut], 0);
  const { stride = 1, pad = "valid" } = options;
  return (x: tf.Tensor) => tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, stride, pad), b);
}

/** Depthwise convolution with bias, filter (k, k, C, 1), same padding. */
function depthwise(p: ParamFactory, name: string, k: number, channels: number) {
  const w = p.weight(`W${name}`, [k, k, channels, 1], k * k);
  const b = p.constant(`b${name}`, [channels], 0);
  return (x: tf.Tensor) =>
    tf.add(tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same"), b);
}

/** Affine layer x (N, D) -> (N, M). */
function affine(p: ParamFactory, name: string, inputs: number, outputs: number) {
  const w = p.weight(`W${name}`, [inputs, outputs], inputs);
  const b = p.constant(`b${name}`, [outputs], 0);
  return (x: tf.Tensor) => tf.add(tf.matMul(x as tf.Tensor2D, w as tf.Tensor2D), b) as tf.Tensor2D;
}

/** Training-mode batchnorm over (N, H, W) per channel, learned gamma and beta. */
function batchnorm(p: ParamFactory, name: string, channels: number) {
  const gamma = p.constant(`gamma${name}`, [channels], 1);
  const beta = p.constant(`beta${name}`, [channels], 0);
  return (x: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, [0, 1, 2]);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
  };
}

/** LayerNorm over every axis but the batch, learned scale and shift of `shape`. */
function layernorm(p: ParamFactory, name: string, shape: number[]) {
  const gamma = p.constant(`gamma${name}`, shape, 1);
  const beta = p.constant(`beta${name}`, shape, 0);
  const axes = shape.map((_, i) => i + 1);
  return (x: tf.Tensor) => {
    const { mean, variance } = tf.moments(x, axes, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
  };
}

/** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default. */
function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

const pool2 = (x: tf.Tensor) => tf.maxPool(x as tf.Tensor4D, 2, 2, "valid");
const flatten = (x: tf.Tensor) => tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;

function fcnet(): Model {
  const p = new ParamFactory();
  const dims = [3072, 100, 100, 100, 100, 100];
  const hidden = dims.slice(1).map((d, i) => affine(p, `${i + 1}`, dims[i], d));
  const out = affine(p, `${dims.length}`, 100, 10);
  return asModel(p.params, (x) => out(hidden.reduce((h, layer) => tf.relu(layer(h)), x)));
}

function mnistCnn(): Model {
  const p = new ParamFactory();
  const conv1 = conv(p, "1", [3, 3, 1, 32]);
  const conv2 = conv(p, "2", [3, 3, 32, 64]);
  const out = affine(p, "3", 1600, 10);
  return asModel(p.params, (x) => {
    const h = pool2(tf.relu(conv2(pool2(tf.relu(conv1(x))))));
    return out(flatten(h));
  });
}

/** exp:mnist-variations (b); with `blocks`, (h): residual batchnorm blocks after each conv. */
function smallCnn(blocks: number): Model {
  const p = new ParamFactory();
  const widths: [number, number][] = [[1, 8], [8, 16], [16, 32]];
  const stages = widths.map(([cIn, cOut], i) => {
    const main = conv(p, `${i + 1}`, [3, 3, cIn, cOut], { pad: 1 });
    const residual = Array.from({ length: blocks }, (_, j) => {
      const name = `${i + 1}_${j + 1}`;
      const bn = batchnorm(p, name, cOut);
      const body = conv(p, name, [3, 3, cOut, cOut], { pad: 1 });
      return (x: tf.Tensor) => tf.add(x, body(tf.relu(bn(x))));
    });
    return (x: tf.Tensor) => {
      const h = tf.relu(residual.reduce((h, block) => block(h), main(x)));
      return i < 2 ? pool2(h) : h;
    };
  });
  const out = affine(p, "out", 1568, 10);
  return asModel(p.params, (x) => out(flatten(stages.reduce((h, stage) => stage(h), x))));
}

/** exp:convnext at 32x32x3: widths 32, 64, 128, 256; 2 blocks a stage. */
function convnext(): Model {
  const p = new ParamFactory();
  let width = 32;
  let size = 32;
  const layers: ((x: tf.Tensor) => tf.Tensor)[] = [
    conv(p, "stem", [1, 1, 3, width]),
    layernorm(p, "stem", [size, size, width]),
  ];
  for (let stage = 0; stage < 4; stage++) {
    if (stage > 0) {
      const norm = layernorm(p, `down${stage}`, [size, size, width]);
      const down = conv(p, `down${stage}`, [2, 2, width, 2 * width], { stride: 2 });
      layers.push((x) => down(norm(x)));
      width *= 2;
      size /= 2;
    }
    for (let block = 0; block < 2; block++) {
      const name = `${stage + 1}_${block + 1}`;
      const dw = depthwise(p, `dw${name}`, 7, width);
      const norm = layernorm(p, name, [size, size, width]);
      const expand = conv(p, `expand${name}`, [1, 1, width, 4 * width]);
      const project = conv(p, `project${name}`, [1, 1, 4 * width, width]);
      layers.push((x) => tf.add(x, project(gelu(expand(norm(dw(x)))))));
    }
  }
  const headNorm = layernorm(p, "head", [width]);
  const head = affine(p, "head", width, 10);
  return asModel(p.params, (x) => {
    const features = layers.reduce((h, layer) => layer(h), x);
    return head(headNorm(tf.mean(features, [1, 2])));
  });
}

/**
 * Builds a bench model with fixed initial weights.
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
      return bench(name, fcnet(), [3072], 100, adam, { learningRate: 1e-3 });
    case "mnist_cnn":
      return bench(name, mnistCnn(), [28, 28, 1], 64, sgd, sgdConfig);
    case "mnist_small_cnn":
      return bench(name, smallCnn(0), [28, 28, 1], 128, sgd, sgdConfig);
    case "mnist_resnet_bn":
      return bench(name, smallCnn(3), [28, 28, 1], 128, sgd, sgdConfig);
    case "convnext":
      return bench(name, convnext(), [32, 32, 3], 128, sgd, {
        learningRate: 1e-3,
        weightDecay: 1e-2,
      });
  }
}

function bench(
  name: BenchModelName,
  model: Model,
  inputShape: number[],
  batchSize: number,
  updateRule: UpdateRule,
  optimConfig: OptimConfig,
): BenchModel {
  return { name, model, inputShape, batchSize, updateRule, optimConfig };
}

/**
 * A training step function for `bench`: loss and gradients, then the update rule on
 * every parameter, its state carried from step to step. Returns the loss. No tensor
 * outlives a step but the parameters and the update rule's state.
 *
 * @example
 * ```ts
 * const step = trainingStep(buildBenchModel("fcnet"));
 * const loss = step(X, y); // X: (100, 3072), y: (100,) int32
 * ```
 */
export function trainingStep(bench: BenchModel): (X: tf.Tensor, y: tf.Tensor1D) => number {
  const configs: Record<string, OptimConfig> = {};
  for (const name of Object.keys(bench.model.params)) configs[name] = { ...bench.optimConfig };
  return (X, y) => {
    const { loss, grads } = bench.model.loss(X, y);
    for (const [name, w] of Object.entries(bench.model.params)) {
      const [nextW, nextConfig] = bench.updateRule(w, grads[name], configs[name]);
      w.assign(nextW);
      nextW.dispose();
      grads[name].dispose();
      disposeState(configs[name], nextConfig);
      configs[name] = nextConfig;
    }
    return loss;
  };
}

/** Disposes the tensors of `previous` that `next` no longer holds. */
function disposeState(previous: OptimConfig, next: OptimConfig): void {
  for (const value of Object.values(previous)) {
    if (value instanceof tf.Tensor && !Object.values(next).includes(value)) value.dispose();
  }
}
