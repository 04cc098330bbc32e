/**
 * Layer normalization (Ba, Kiros and Hinton 2016): each example normalized by its own mean
 * and variance, so it behaves the same in training and test and for any batch size.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import {
  fusedKernelsActive,
  LAYERNORM_GRAD_KERNEL,
  LAYERNORM_KERNEL,
} from "../kernels/native/fused_kernel_names.ts";
import { expectShapeOf, expectTensor, showShape } from "./check.ts";
import { variableFrom } from "./init.ts";
import type { Module } from "./module.ts";

/** Added to the variance before the square root (cs231n's and PyTorch's default). */
export const LAYERNORM_EPS = 1e-5;

/**
 * Layer normalization over the trailing axes of `x` that `gamma` spans, like PyTorch's
 * nn.LayerNorm(normalizedShape): with `gamma: (D,)` on `x: (N, D)` it is cs231n's
 * layernorm over features; with `gamma: (H, W, C)` on `x: (N, H, W, C)` it is the
 * ConvNeXt study's "LayerNorm over [C, H, W]" (per example over all of C, H and W, with a
 * per-element affine), and with `gamma: (C,)` on images it normalizes each pixel's channels.
 * The variance is the biased one.
 *
 * The backward pass is the closed form (tf.customGrad) rather than autodiff through the
 * moments: the tape then keeps x-sized tensors xhat and the output instead of every
 * elementwise intermediate, and the backward creates one x-sized gradient instead of one
 * per intermediate (tfjs holds all of them until the backward pass ends), which is most
 * of the ConvNeXt study's memory. Where the backend has layer-normalization kernels (the
 * native backend's oneDNN ones) the forward and the backward are one kernel each, and the
 * tape keeps x and two per-example statistics instead of xhat.
 *
 * @param x `(N, ...normalizedShape)` or more leading axes
 * @param gamma scale of shape normalizedShape
 * @param beta shift of shape normalizedShape
 * @returns the shape of x
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { layernorm } from "./layernorm.ts";
 *
 * const x = tf.randomNormal([4, 8, 8, 32]); // statistics per example, over its 8 * 8 * 32 values
 * const out = layernorm(x, tf.ones([8, 8, 32]), tf.zeros([8, 8, 32]));
 * out.shape; // [4, 8, 8, 32]
 * ```
 */
export function layernorm(
  x: tf.Tensor,
  gamma: tf.Tensor,
  beta: tf.Tensor,
  { eps = LAYERNORM_EPS }: { eps?: number } = {},
): tf.Tensor {
  expectTensor("layernorm", "x", x);
  expectTensor("layernorm", "gamma", gamma);
  expectTensor("layernorm", "beta", beta);
  numberIn("layernorm: eps", eps, { min: 0, minExclusive: true });
  const k = gamma.rank;
  if (k < 1 || x.rank <= k) {
    throw argumentError(
      "layernorm: gamma.shape",
      gamma.shape,
      `the trailing axes of x after its batch axis (x.shape is ${showShape(x.shape)})`,
    );
  }
  const normalized = x.shape.slice(x.rank - k);
  const why = `x.shape is ${showShape(x.shape)}, normalized over its last ${k} axes`;
  expectShapeOf("layernorm", "gamma", gamma, normalized, why);
  expectShapeOf("layernorm", "beta", beta, normalized, why);
  if (x.dtype === "float32" && fusedKernelsActive(LAYERNORM_KERNEL, LAYERNORM_GRAD_KERNEL)) {
    return kernelLayernorm(x, gamma, beta, eps);
  }
  const axes = normalized.map((_, i) => x.rank - k + i);
  const leading = x.shape.slice(0, x.rank - k).map((_, i) => i);
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [value, xhat, rstd] = tf.tidy(() => {
      const { mean, variance } = tf.moments(x, axes, true);
      const rstd = tf.rsqrt(tf.add(variance, eps));
      const xhat = tf.mul(tf.sub(x, mean), rstd);
      return [tf.add(tf.mul(xhat, gamma), beta), xhat, rstd];
    });
    save([xhat, rstd, gamma]);
    return {
      value,
      // Closed form (per example, D = the normalized size, g = dout * gamma):
      //   dx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
      //   dgamma = sum over examples of dout * xhat, dbeta = sum of dout.
      gradFunc: (dout: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xhat, rstd, gamma] = saved;
          const g = tf.mul(dout, gamma);
          const dx = tf.mul(
            rstd,
            tf.sub(
              tf.sub(g, tf.mean(g, axes, true)),
              tf.mul(xhat, tf.mean(tf.mul(g, xhat), axes, true)),
            ),
          );
          return [dx, tf.sum(tf.mul(dout, xhat), leading), tf.sum(dout, leading)];
        }),
    };
  });
  return normalize(x, gamma, beta);
}

/** {@linkcode layernorm} as the backend's two kernels (lib/kernels/native/fused_kernel_names.ts). */
function kernelLayernorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const normalize = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, gamma, beta] = args as tf.Tensor[];
    const save = args[3] as tf.GradSaveFunc;
    const [y, mean, variance] = tf.engine().runKernel(
      LAYERNORM_KERNEL,
      { x, gamma, beta },
      { eps },
    ) as tf.Tensor[];
    save([x, mean, variance, gamma]);
    return {
      value: y,
      gradFunc: (dout: tf.Tensor, [x, mean, variance, gamma]: tf.Tensor[]) =>
        tf.engine().runKernel(
          LAYERNORM_GRAD_KERNEL,
          { dy: dout, x, mean, variance, gamma },
          { eps },
        ) as tf.Tensor[],
    };
  });
  return normalize(x, gamma, beta);
}

/**
 * Layer normalization with parameters `gamma` (ones) and `beta` (zeros) of shape
 * `normalizedShape`: `[D]` for features, `[H, W, C]` for the ConvNeXt study's LayerNorm
 * over [C, H, W] (our images are NHWC, so PyTorch's [C, H, W] is our [H, W, C]).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { LayerNorm } from "./layernorm.ts";
 *
 * const ln = new LayerNorm([32, 32, 32]);
 * const out = ln.forward(tf.randomNormal([2, 32, 32, 32]));
 * out.shape; // [2, 32, 32, 32]
 * ```
 */
export class LayerNorm implements Module {
  /** Per-element scale and shift, each of shape normalizedShape. */
  readonly params: { gamma: tf.Variable; beta: tf.Variable };
  /** Added to the variance before the square root. */
  readonly eps: number;

  /** @param normalizedShape `D`, `[D]` or `[H, W, C]`: the trailing axes normalized */
  constructor(normalizedShape: number | number[], { eps = LAYERNORM_EPS }: { eps?: number } = {}) {
    const shape = typeof normalizedShape === "number" ? [normalizedShape] : normalizedShape;
    if (
      !Array.isArray(shape) || shape.length === 0 ||
      !shape.every((s) => Number.isInteger(s) && s >= 1)
    ) {
      throw argumentError(
        "LayerNorm: normalizedShape",
        normalizedShape,
        "a positive integer or a non-empty list of them, e.g. [H, W, C]",
      );
    }
    this.eps = numberIn("LayerNorm: eps", eps, { min: 0, minExclusive: true });
    this.params = { gamma: variableFrom(tf.ones(shape)), beta: variableFrom(tf.zeros(shape)) };
  }

  /** `x: (N, ...normalizedShape)` to the same shape. */
  forward(x: tf.Tensor): tf.Tensor {
    return layernorm(x, this.params.gamma, this.params.beta, { eps: this.eps });
  }
}
