/**
 * oneDNN memory descriptors for tfjs tensors, without moving data.
 *
 * oneDNN names dimensions logically (images `N, C, H, W`; filters `O, I, H, W`, grouped
 * `G, O/G, I/G, H, W`) and lets strides say where each element is, so tfjs's layouts are
 * described as they are: an NHWC image is the logical `(N, C, H, W)` with strides
 * `(HWC, 1, WC, C)`, a tfjs filter `(kh, kw, in, out)` is `(O, I, H, W)` with strides
 * `(1, out, kw*in*out, in*out)`. A descriptor is a `dnnl_memory_desc_t` (696 bytes in 2.x)
 * filled by `dnnl_memory_desc_init_by_strides`.
 *
 * @module
 */
import { DATA_TYPE, ENUM, MAX_NDIMS, SIZEOF } from "./abi.ts";
import { check, oneDnn } from "./runtime.ts";

/** A filled `dnnl_memory_desc_t`. */
export type MemoryDesc = Uint8Array<ArrayBuffer>;

/** Logical dimensions and the strides (in elements) of a tensor's layout. */
export interface Layout {
  dims: number[];
  strides: number[];
}

function dimsArray(values: number[]): BigInt64Array<ArrayBuffer> {
  if (values.length > MAX_NDIMS) {
    throw new Error(`oneDNN: ${values.length} dimensions; at most ${MAX_NDIMS}`);
  }
  const out = new BigInt64Array(MAX_NDIMS);
  values.forEach((v, i) => (out[i] = BigInt(v)));
  return out;
}

/**
 * A descriptor of `dims` laid out with `strides` (elements).
 *
 * @example
 * ```ts
 * const md = memoryDesc({ dims: [2, 3], strides: [3, 1] }); // a row-major (2, 3) matrix
 * ```
 */
export function memoryDesc(
  { dims, strides }: Layout,
  dataType: number = DATA_TYPE.f32,
): MemoryDesc {
  const md = new Uint8Array(SIZEOF.memoryDesc);
  check(
    oneDnn().symbols.dnnl_memory_desc_init_by_strides(
      md,
      dims.length,
      dimsArray(dims),
      dataType,
      dimsArray(strides),
    ),
    `dnnl_memory_desc_init_by_strides(dims [${dims}], strides [${strides}])`,
  );
  return md;
}

/**
 * A descriptor that lets the primitive choose its layout (`format_tag_any`); the kernel
 * then reorders to and from tfjs's layout.
 *
 * @example
 * ```ts
 * const weights = anyDesc([64, 32, 3, 3]); // O, I, H, W
 * ```
 */
export function anyDesc(dims: number[], dataType: number = DATA_TYPE.f32): MemoryDesc {
  const md = new Uint8Array(SIZEOF.memoryDesc);
  check(
    oneDnn().symbols.dnnl_memory_desc_init_by_tag(
      md,
      dims.length,
      dimsArray(dims),
      dataType,
      ENUM.formatTagAny,
    ),
    `dnnl_memory_desc_init_by_tag(dims [${dims}], any)`,
  );
  return md;
}

/**
 * Row-major strides of `shape`, in elements.
 *
 * @example
 * ```ts
 * denseStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function denseStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i];
  }
  return strides;
}

/**
 * A row-major tensor as it is stored.
 *
 * @example
 * ```ts
 * plain([4, 10]); // { dims: [4, 10], strides: [10, 1] }
 * ```
 */
export function plain(shape: readonly number[]): Layout {
  return { dims: [...shape], strides: denseStrides(shape) };
}

/**
 * An NHWC image batch as oneDNN's logical `(N, C, H, W)`.
 *
 * @example
 * ```ts
 * nhwc([64, 13, 13, 32]); // dims [64, 32, 13, 13], strides [5408, 1, 416, 32]
 * ```
 */
export function nhwc([N, H, W, C]: readonly number[]): Layout {
  return { dims: [N, C, H, W], strides: [H * W * C, 1, W * C, C] };
}

/**
 * A tfjs filter `(kh, kw, in, out)` as oneDNN's logical `(O, I, H, W)`.
 *
 * @example
 * ```ts
 * hwio([3, 3, 32, 64]); // dims [64, 32, 3, 3]
 * ```
 */
export function hwio([kh, kw, inC, outC]: readonly number[]): Layout {
  return { dims: [outC, inC, kh, kw], strides: [1, outC, kw * inC * outC, inC * outC] };
}

/**
 * A tfjs depthwise filter `(kh, kw, C, multiplier)` as oneDNN's grouped
 * `(G = C, O/G = multiplier, I/G = 1, H, W)`: output channel `c * multiplier + m` reads
 * input channel c, which is oneDNN's grouping too.
 *
 * @example
 * ```ts
 * depthwiseHwcm([7, 7, 32, 1]); // dims [32, 1, 1, 7, 7]
 * ```
 */
export function depthwiseHwcm([kh, kw, C, M]: readonly number[]): Layout {
  return { dims: [C, M, 1, kh, kw], strides: [M, 1, 1, kw * C * M, C * M] };
}
