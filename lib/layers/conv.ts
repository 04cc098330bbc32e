/**
 * 2-D convolution over NHWC images with tf-layout filters, including grouped and
 * depthwise convolution.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { argumentError, numberIn } from "../errors.ts";
import { expectShapeOf, expectTensor, pair, positiveInteger, showShape } from "./check.ts";
import { type InitOptions, initWeights } from "./init.ts";
import type { Module } from "./module.ts";
import { type Padding, resolvePadding } from "./padding.ts";

/** Options of {@linkcode conv2d}. */
export interface Conv2dOptions {
  /** Step between windows, `s` or `[sh, sw]`; default 1. */
  stride?: number | [number, number];
  /** Default 0 (`"valid"`); see {@linkcode Padding}. */
  pad?: Padding;
  /** Channel groups: input and output channels split into `groups` independent
   * convolutions; `groups == C` is depthwise. Default 1. */
  groups?: number;
}

/**
 * Convolution with biases, PyTorch's Conv2d semantics in TensorFlow's layout.
 *
 * Group g (of G) convolves input channels [g C/G, (g+1) C/G) into output channels
 * [g F/G, (g+1) F/G). Depthwise (G == C) runs tf.depthwiseConv2d, whose channel
 * multiplier layout (output c * F/C + m) is the same grouping; other G > 1 split the
 * channels, convolve each group and concatenate.
 *
 * @param x images `(N, H, W, C)`
 * @param w filters `(HH, WW, C / G, F)`
 * @param b biases `(F,)`
 * @returns `(N, H', W', F)` with H' = floor((H + padTop + padBottom - HH) / sh) + 1
 *   (ceil(H / sh) for `"same"`), W' likewise
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { conv2d } from "./conv.ts";
 *
 * const x = tf.zeros([2, 8, 8, 3]); // (N, H, W, C)
 * const w = tf.zeros([3, 3, 3, 16]); // (HH, WW, C, F)
 * const out = conv2d(x, w, tf.zeros([16]), { stride: 2, pad: 1 });
 * out.shape; // [2, 4, 4, 16]
 * ```
 */
export function conv2d(
  x: tf.Tensor,
  w: tf.Tensor,
  b: tf.Tensor,
  { stride = 1, pad = 0, groups = 1 }: Conv2dOptions = {},
): tf.Tensor4D {
  expectTensor("conv2d", "x", x, 4);
  expectTensor("conv2d", "w", w, 4);
  expectTensor("conv2d", "b", b, 1);
  const strides = pair("conv2d: stride", stride);
  const padding = resolvePadding("conv2d: pad", pad);
  const G = positiveInteger("conv2d: groups", groups);
  const [, H, W, C] = x.shape;
  const [HH, WW, , F] = w.shape;
  if (C % G !== 0 || F % G !== 0) {
    throw argumentError(
      "conv2d: groups",
      groups,
      `a divisor of both the ${C} input channels (x.shape ${showShape(x.shape)}) and the ${F} ` +
        `output channels (w.shape ${showShape(w.shape)})`,
    );
  }
  expectShapeOf(
    "conv2d",
    "w",
    w,
    [null, null, C / G, null],
    `x has ${C} channels in ${G} group(s), so w needs ${C / G} input channels per group`,
  );
  expectShapeOf("conv2d", "b", b, [F], `one bias per filter; w.shape is ${showShape(w.shape)}`);
  if (padding !== "same") {
    const [[top, bottom], [left, right]] = padding === "valid" ? [[0, 0], [0, 0]] : padding;
    if (H + top + bottom < HH || W + left + right < WW) {
      throw argumentError(
        "conv2d: w.shape",
        w.shape,
        `a ${HH}x${WW} filter that fits the padded ${H + top + bottom}x${W + left + right} ` +
          `input (x.shape ${showShape(x.shape)}, pad ${JSON.stringify(pad)})`,
      );
    }
  }
  return tf.tidy(() => {
    const input = x as tf.Tensor4D;
    const filters = w as tf.Tensor4D;
    // Explicit padding goes to the op itself (NHWC: batch and channels unpadded) rather
    // than through tf.pad, which would record one more activation and one more backward op.
    const tfPad = Array.isArray(padding)
      ? [[0, 0], padding[0], padding[1], [0, 0]] as tf.backend_util.ExplicitPadding
      : padding;
    const bias = b as tf.Tensor1D;
    if (G === 1) return tf.fused.conv2d({ x: input, filter: filters, strides, pad: tfPad, bias });
    if (G === C) {
      // tfjs's depthwise conv takes no explicit padding: pad first in that case.
      const depthwise = tf.reshape(filters, [HH, WW, C, F / C]) as tf.Tensor4D;
      const padded = Array.isArray(padding)
        ? tf.pad(input, [[0, 0], padding[0], padding[1], [0, 0]])
        : input;
      const pad = Array.isArray(padding) ? "valid" : padding;
      return tf.fused.depthwiseConv2d({ x: padded, filter: depthwise, strides, pad, bias });
    }
    const inputs = tf.split(input, G, 3) as tf.Tensor4D[];
    const groupFilters = tf.split(filters, G, 3) as tf.Tensor4D[];
    const out = tf.concat(inputs.map((xg, g) => tf.conv2d(xg, groupFilters[g], strides, tfPad)), 3);
    return tf.add(out, bias);
  });
}

/** Options of {@linkcode Conv2d}; see lib/layers/init.ts for the weight schemes. */
export interface Conv2dModuleOptions extends Conv2dOptions, InitOptions {
  inChannels: number;
  outChannels: number;
  /** `k` or `[kh, kw]`. */
  kernelSize: number | [number, number];
}

/**
 * Convolution layer with parameters `W: (kh, kw, inChannels / groups, outChannels)` and
 * `b: (outChannels,)`. Initialization: `weightScale` (cs231n), `init: "kaiming"`, or by
 * default PyTorch's (uniform in +-1/sqrt(fanIn), fanIn = kh * kw * inChannels / groups).
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import { Conv2d } from "./conv.ts";
 *
 * const depthwise = new Conv2d({
 *   inChannels: 32,
 *   outChannels: 32,
 *   kernelSize: 7,
 *   pad: "same",
 *   groups: 32, // one 7x7 filter per channel
 * });
 * depthwise.forward(tf.zeros([2, 8, 8, 32])).shape; // [2, 8, 8, 32]
 * ```
 */
export class Conv2d implements Module {
  /** `W: (kh, kw, inChannels / groups, outChannels)` and `b: (outChannels,)`. */
  readonly params: { W: tf.Variable; b: tf.Variable };
  /** Stride, padding and groups, as {@linkcode conv2d} takes them. */
  readonly options: Required<Conv2dOptions>;

  /** Checks the options and draws W and b. */
  constructor(options: Conv2dModuleOptions) {
    const C = numberIn("Conv2d: inChannels", options.inChannels, { min: 1, integer: true });
    const F = numberIn("Conv2d: outChannels", options.outChannels, { min: 1, integer: true });
    const [kh, kw] = pair("Conv2d: kernelSize", options.kernelSize);
    const groups = positiveInteger("Conv2d: groups", options.groups ?? 1);
    if (C % groups !== 0 || F % groups !== 0) {
      throw argumentError(
        "Conv2d: groups",
        groups,
        `a divisor of both inChannels (${C}) and outChannels (${F})`,
      );
    }
    const stride = options.stride ?? 1;
    pair("Conv2d: stride", stride);
    const pad = options.pad ?? 0;
    resolvePadding("Conv2d: pad", pad);
    this.options = { stride, pad, groups };
    const fanIn = kh * kw * (C / groups);
    const { W, b } = initWeights("Conv2d", [kh, kw, C / groups, F], fanIn, options);
    this.params = { W: tf.variable(W), b: tf.variable(b) };
    W.dispose();
    b.dispose();
  }

  /** `x: (N, H, W, inChannels)` to `(N, H', W', outChannels)`. */
  forward(x: tf.Tensor): tf.Tensor {
    return conv2d(x, this.params.W, this.params.b, this.options);
  }
}
