/**
 * oneDNN 2.x op descriptors: each function allocates the struct, has the matching
 * `dnnl_*_desc_init` fill it from memory descriptors and returns it, ready for
 * `new Primitive(desc, ...)`. This file is the only one that knows the 2.x op-descriptor
 * API (oneDNN 3.x creates primitive descriptors directly instead).
 *
 * @module
 */
import { ALG, MAX_NDIMS, PROP, SIZEOF } from "./abi.ts";
import type { MemoryDesc } from "./memory_desc.ts";
import { check, oneDnn } from "./runtime.ts";

/** A filled op descriptor. */
export type OpDesc = Uint8Array<ArrayBuffer>;

function dims(values: number[]): BigInt64Array<ArrayBuffer> {
  const out = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => (out[i] = BigInt(v)));
  return out;
}

/** Strides, dilation and padding of a 2-D window, as oneDNN's dims arrays take them. */
export interface Window2d {
  strides: number[];
  dilation: number[];
  padL: number[];
  padR: number[];
}

/**
 * Convolution forward. `bias` may be null.
 *
 * @example
 * ```ts
 * import { PROP } from "./abi.ts";
 * import { anyDesc, memoryDesc, nhwc, plain } from "./memory_desc.ts";
 * const window = { strides: [1, 1], dilation: [0, 0], padL: [0, 0], padR: [0, 0] };
 * const desc = convolutionForwardDesc(PROP.forwardTraining, memoryDesc(nhwc([8, 5, 5, 3])),
 *   anyDesc([4, 3, 3, 3]), memoryDesc(plain([4])), memoryDesc(nhwc([8, 3, 3, 4])), window);
 * ```
 */
export function convolutionForwardDesc(
  prop: number,
  src: MemoryDesc,
  weights: MemoryDesc,
  bias: MemoryDesc | null,
  dst: MemoryDesc,
  w: Window2d,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.convolutionDesc);
  check(
    oneDnn().symbols.dnnl_dilated_convolution_forward_desc_init(
      desc,
      prop,
      ALG.convolutionDirect,
      src,
      weights,
      bias,
      dst,
      dims(w.strides),
      dims(w.dilation),
      dims(w.padL),
      dims(w.padR),
    ),
    "dnnl_dilated_convolution_forward_desc_init",
  );
  return desc;
}

/**
 * Convolution backward data: diff_src from diff_dst and weights.
 *
 * @example
 * ```ts
 * import { anyDesc, memoryDesc, nhwc } from "./memory_desc.ts";
 * const window = { strides: [1, 1], dilation: [0, 0], padL: [0, 0], padR: [0, 0] };
 * const desc = convolutionBackwardDataDesc(memoryDesc(nhwc([8, 5, 5, 3])),
 *   anyDesc([4, 3, 3, 3]), memoryDesc(nhwc([8, 3, 3, 4])), window);
 * ```
 */
export function convolutionBackwardDataDesc(
  diffSrc: MemoryDesc,
  weights: MemoryDesc,
  diffDst: MemoryDesc,
  w: Window2d,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.convolutionDesc);
  check(
    oneDnn().symbols.dnnl_dilated_convolution_backward_data_desc_init(
      desc,
      ALG.convolutionDirect,
      diffSrc,
      weights,
      diffDst,
      dims(w.strides),
      dims(w.dilation),
      dims(w.padL),
      dims(w.padR),
    ),
    "dnnl_dilated_convolution_backward_data_desc_init",
  );
  return desc;
}

/**
 * Convolution backward weights: diff_weights (and diff_bias when not null) from src and
 * diff_dst.
 *
 * @example
 * ```ts
 * import { anyDesc, memoryDesc, nhwc } from "./memory_desc.ts";
 * const window = { strides: [1, 1], dilation: [0, 0], padL: [0, 0], padR: [0, 0] };
 * const desc = convolutionBackwardWeightsDesc(memoryDesc(nhwc([8, 5, 5, 3])),
 *   anyDesc([4, 3, 3, 3]), null, memoryDesc(nhwc([8, 3, 3, 4])), window);
 * ```
 */
export function convolutionBackwardWeightsDesc(
  src: MemoryDesc,
  diffWeights: MemoryDesc,
  diffBias: MemoryDesc | null,
  diffDst: MemoryDesc,
  w: Window2d,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.convolutionDesc);
  check(
    oneDnn().symbols.dnnl_dilated_convolution_backward_weights_desc_init(
      desc,
      ALG.convolutionDirect,
      src,
      diffWeights,
      diffBias,
      diffDst,
      dims(w.strides),
      dims(w.dilation),
      dims(w.padL),
      dims(w.padR),
    ),
    "dnnl_dilated_convolution_backward_weights_desc_init",
  );
  return desc;
}

/**
 * Pooling forward (`ALG.poolingMax`, `ALG.poolingAvg*`). Training max pooling also
 * produces a workspace (the arg-max) its backward needs.
 *
 * @example
 * ```ts
 * import { ALG, PROP } from "./abi.ts";
 * import { memoryDesc, nhwc } from "./memory_desc.ts";
 * const window = { strides: [2, 2], dilation: [0, 0], padL: [0, 0], padR: [0, 0] };
 * const desc = poolingForwardDesc(PROP.forwardTraining, ALG.poolingMax,
 *   memoryDesc(nhwc([8, 4, 4, 3])), memoryDesc(nhwc([8, 2, 2, 3])), window, [2, 2]);
 * ```
 */
export function poolingForwardDesc(
  prop: number,
  alg: number,
  src: MemoryDesc,
  dst: MemoryDesc,
  w: Window2d,
  kernel: number[],
): OpDesc {
  const desc = new Uint8Array(SIZEOF.poolingV2Desc);
  check(
    oneDnn().symbols.dnnl_pooling_v2_forward_desc_init(
      desc,
      prop,
      alg,
      src,
      dst,
      dims(w.strides),
      dims(kernel),
      dims(w.dilation),
      dims(w.padL),
      dims(w.padR),
    ),
    "dnnl_pooling_v2_forward_desc_init",
  );
  return desc;
}

/**
 * Pooling backward: diff_src from diff_dst (and the forward's workspace for max).
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * import { memoryDesc, nhwc } from "./memory_desc.ts";
 * const window = { strides: [2, 2], dilation: [0, 0], padL: [0, 0], padR: [0, 0] };
 * const desc = poolingBackwardDesc(ALG.poolingMax, memoryDesc(nhwc([8, 4, 4, 3])),
 *   memoryDesc(nhwc([8, 2, 2, 3])), window, [2, 2]);
 * ```
 */
export function poolingBackwardDesc(
  alg: number,
  diffSrc: MemoryDesc,
  diffDst: MemoryDesc,
  w: Window2d,
  kernel: number[],
): OpDesc {
  const desc = new Uint8Array(SIZEOF.poolingV2Desc);
  check(
    oneDnn().symbols.dnnl_pooling_v2_backward_desc_init(
      desc,
      alg,
      diffSrc,
      diffDst,
      dims(w.strides),
      dims(kernel),
      dims(w.dilation),
      dims(w.padL),
      dims(w.padR),
    ),
    "dnnl_pooling_v2_backward_desc_init",
  );
  return desc;
}

/**
 * Elementwise forward: `dst = alg(src; alpha, beta)`, src and dst of the same layout.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const desc = eltwiseForwardDesc(ALG.eltwiseRelu, memoryDesc(plain([1000])));
 * ```
 */
export function eltwiseForwardDesc(alg: number, data: MemoryDesc, alpha = 0, beta = 0): OpDesc {
  const desc = new Uint8Array(SIZEOF.eltwiseDesc);
  check(
    oneDnn().symbols.dnnl_eltwise_forward_desc_init(
      desc,
      PROP.forwardTraining,
      alg,
      data,
      alpha,
      beta,
    ),
    "dnnl_eltwise_forward_desc_init",
  );
  return desc;
}

/**
 * Elementwise backward: `diff_src = diff_dst * alg'(src)` (or of dst for the
 * `*_use_dst_for_bwd` algorithms).
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const md = memoryDesc(plain([1000]));
 * const desc = eltwiseBackwardDesc(ALG.eltwiseGeluErf, md, md);
 * ```
 */
export function eltwiseBackwardDesc(
  alg: number,
  diffData: MemoryDesc,
  data: MemoryDesc,
  alpha = 0,
  beta = 0,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.eltwiseDesc);
  check(
    oneDnn().symbols.dnnl_eltwise_backward_desc_init(desc, alg, diffData, data, alpha, beta),
    "dnnl_eltwise_backward_desc_init",
  );
  return desc;
}

/**
 * Binary: `dst = alg(src0, src1)`, src1 broadcast along its size-1 dims.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const [rows, bias] = [memoryDesc(plain([200, 3])), memoryDesc(plain([1, 3]))];
 * const desc = binaryDesc(ALG.binaryAdd, rows, bias, rows);
 * ```
 */
export function binaryDesc(
  alg: number,
  src0: MemoryDesc,
  src1: MemoryDesc,
  dst: MemoryDesc,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.binaryDesc);
  check(
    oneDnn().symbols.dnnl_binary_desc_init(desc, alg, src0, src1, dst),
    "dnnl_binary_desc_init",
  );
  return desc;
}

/**
 * Reduction of src over the dims where dst has size 1.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const desc = reductionDesc(ALG.reductionMax, memoryDesc(plain([40, 10])),
 *   memoryDesc(plain([40, 1])));
 * ```
 */
export function reductionDesc(alg: number, src: MemoryDesc, dst: MemoryDesc): OpDesc {
  const desc = new Uint8Array(SIZEOF.reductionDesc);
  check(
    oneDnn().symbols.dnnl_reduction_desc_init(desc, alg, src, dst, 0, 0),
    "dnnl_reduction_desc_init",
  );
  return desc;
}

/**
 * Matrix product `dst = src @ weights (+ bias)`, batched over leading dims.
 *
 * @example
 * ```ts
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const [a, b, c] = [[1, 100, 30], [1, 30, 10], [1, 100, 10]].map((d) => memoryDesc(plain(d)));
 * const desc = matmulDesc(a, b, null, c);
 * ```
 */
export function matmulDesc(
  src: MemoryDesc,
  weights: MemoryDesc,
  bias: MemoryDesc | null,
  dst: MemoryDesc,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.matmulDesc);
  check(
    oneDnn().symbols.dnnl_matmul_desc_init(desc, src, weights, bias, dst),
    "dnnl_matmul_desc_init",
  );
  return desc;
}

/**
 * Batch normalization forward over the channel dim (dim 1) of `data`.
 *
 * @example
 * ```ts
 * import { NORM_FLAGS, PROP } from "./abi.ts";
 * import { memoryDesc, nhwc } from "./memory_desc.ts";
 * const flags = NORM_FLAGS.useScale | NORM_FLAGS.useShift;
 * const desc = batchNormalizationForwardDesc(PROP.forwardTraining,
 *   memoryDesc(nhwc([8, 5, 5, 3])), 1e-5, flags);
 * ```
 */
export function batchNormalizationForwardDesc(
  prop: number,
  data: MemoryDesc,
  epsilon: number,
  flags: number,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.batchNormalizationDesc);
  check(
    oneDnn().symbols.dnnl_batch_normalization_forward_desc_init(desc, prop, data, epsilon, flags),
    "dnnl_batch_normalization_forward_desc_init",
  );
  return desc;
}

/**
 * Batch normalization backward (`PROP.backward`: data and scale/shift gradients).
 *
 * @example
 * ```ts
 * import { NORM_FLAGS, PROP } from "./abi.ts";
 * import { memoryDesc, nhwc } from "./memory_desc.ts";
 * const md = memoryDesc(nhwc([8, 5, 5, 3]));
 * const flags = NORM_FLAGS.useScale | NORM_FLAGS.useShift;
 * const desc = batchNormalizationBackwardDesc(PROP.backward, md, md, 1e-5, flags);
 * ```
 */
export function batchNormalizationBackwardDesc(
  prop: number,
  diffData: MemoryDesc,
  data: MemoryDesc,
  epsilon: number,
  flags: number,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.batchNormalizationDesc);
  check(
    oneDnn().symbols.dnnl_batch_normalization_backward_desc_init(
      desc,
      prop,
      diffData,
      data,
      epsilon,
      flags,
    ),
    "dnnl_batch_normalization_backward_desc_init",
  );
  return desc;
}

/**
 * Layer normalization forward over the last dim of `data`; `stat` describes mean and
 * variance (data's dims without the last).
 *
 * @example
 * ```ts
 * import { NORM_FLAGS, PROP } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const flags = NORM_FLAGS.useScale | NORM_FLAGS.useShift;
 * const desc = layerNormalizationForwardDesc(PROP.forwardTraining,
 *   memoryDesc(plain([8, 75])), memoryDesc(plain([8])), 1e-5, flags);
 * ```
 */
export function layerNormalizationForwardDesc(
  prop: number,
  data: MemoryDesc,
  stat: MemoryDesc,
  epsilon: number,
  flags: number,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.layerNormalizationDesc);
  check(
    oneDnn().symbols.dnnl_layer_normalization_forward_desc_init(
      desc,
      prop,
      data,
      stat,
      epsilon,
      flags,
    ),
    "dnnl_layer_normalization_forward_desc_init",
  );
  return desc;
}

/**
 * Layer normalization backward (`PROP.backward`: data and scale/shift gradients).
 *
 * @example
 * ```ts
 * import { NORM_FLAGS, PROP } from "./abi.ts";
 * import { memoryDesc, plain } from "./memory_desc.ts";
 * const [md, stat] = [memoryDesc(plain([8, 75])), memoryDesc(plain([8]))];
 * const flags = NORM_FLAGS.useScale | NORM_FLAGS.useShift;
 * const desc = layerNormalizationBackwardDesc(PROP.backward, md, md, stat, 1e-5, flags);
 * ```
 */
export function layerNormalizationBackwardDesc(
  prop: number,
  diffData: MemoryDesc,
  data: MemoryDesc,
  stat: MemoryDesc,
  epsilon: number,
  flags: number,
): OpDesc {
  const desc = new Uint8Array(SIZEOF.layerNormalizationDesc);
  check(
    oneDnn().symbols.dnnl_layer_normalization_backward_desc_init(
      desc,
      prop,
      diffData,
      data,
      stat,
      epsilon,
      flags,
    ),
    "dnnl_layer_normalization_backward_desc_init",
  );
  return desc;
}
