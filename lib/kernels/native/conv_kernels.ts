/**
 * Convolutions on oneDNN, forward and both gradients, plain and depthwise, NHWC only:
 * Conv2D, FusedConv2D (bias; relu, relu6 or leaky relu), Conv2DBackpropInput,
 * Conv2DBackpropFilter, DepthwiseConv2dNative, FusedDepthwiseConv2D and the two depthwise
 * gradients. Images stay in tfjs's NHWC memory (oneDNN's `acdb`); the filters are
 * described as tfjs stores them but the primitive is created with `format_tag_any`
 * filters, so oneDNN picks its blocked filter layout and its direct AVX-512/AVX2 kernels
 * (`brgconv`, `jit`), reordering the filter (small) on the way in and the filter gradient
 * on the way out. With tfjs's filter layout as is, oneDNN falls back to im2col + GEMM,
 * 2-4x slower on the 3x3 convolutions of the MNIST nets (bench numbers in mod.ts).
 *
 * One exception: the input gradient of a convolution with fewer than 4 input channels
 * per group (a first layer on grey or RGB images) is faster with the filter as is.
 *
 * Input gradients are computed when first read (`NativeBackend.lazyOutput`): tfjs's fused
 * conv2d (every nnlab convolution) returns the gradient of its input eagerly, and for the
 * first layer that is the gradient of the image batch, which nothing reads; PyTorch skips
 * it (`requires_grad` is false), so should we (2.8-3.3 ms of the small MNIST nets' steps).
 *
 * Shapes: x (N, H, W, C), filter (kh, kw, C, F) or depthwise (kh, kw, C, M), bias (F,),
 * y and dy (N, H', W', F).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ARG, PROP, QUERY } from "./abi.ts";
import {
  convolutionBackwardDataDesc,
  convolutionBackwardWeightsDesc,
  convolutionForwardDesc,
} from "./descriptors.ts";
import {
  allFloat32,
  cpuKernel,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
} from "./kernel_util.ts";
import { anyDesc, depthwiseHwcm, hwio, memoryDesc, nhwc, plain } from "./memory_desc.ts";
import { activationPostOps, type EltwisePostOp, Primitive } from "./primitive.ts";
import { windowArrays, windowGeometry } from "./window_geometry.ts";

/** A convolution: its tfjs geometry and whether it is depthwise. */
interface ConvSpec {
  info: tf.backend_util.Conv2DInfo;
  depthwise: boolean;
  /** The tfjs filter shape: (kh, kw, C, F) or depthwise (kh, kw, C, M). */
  filterShape: number[];
}

/** The memory descriptors of a convolution, in tfjs's layouts, plus the `any` filter. */
function convDescs({ info, depthwise, filterShape }: ConvSpec) {
  const g = windowGeometry(info);
  const [kh, kw] = filterShape;
  const C = info.inChannels;
  const F = info.outChannels;
  return {
    geometry: g,
    window: windowArrays(g),
    src: memoryDesc(nhwc(info.inShape)),
    dst: memoryDesc(nhwc(info.outShape)),
    filter: memoryDesc(depthwise ? depthwiseHwcm(filterShape) : hwio(filterShape)),
    filterAny: anyDesc(depthwise ? [C, F / C, 1, kh, kw] : [F, C, kh, kw]),
  };
}

function specKey(spec: ConvSpec): string {
  const { info } = spec;
  return [
    spec.depthwise ? "dw" : "conv",
    info.inShape,
    spec.filterShape,
    info.outShape,
    info.strideHeight,
    info.strideWidth,
    info.dilationHeight,
    info.dilationWidth,
    info.padInfo.top,
    info.padInfo.left,
  ].join(" ");
}

/** The forward primitive (also the hint the backward ones are created with). */
function forwardPrimitive(spec: ConvSpec, bias: boolean, postOps: EltwisePostOp[]): Primitive {
  const key = `${specKey(spec)} fwd ${bias} ${JSON.stringify(postOps)}`;
  return primitives.get(key, () => {
    const d = convDescs(spec);
    const biasMd = bias ? memoryDesc(plain([spec.info.outChannels])) : null;
    const desc = convolutionForwardDesc(
      PROP.forwardTraining,
      d.src,
      d.filterAny,
      biasMd,
      d.dst,
      d.window,
    );
    return new Primitive(desc, {
      operands: [
        { arg: ARG.src, desc: d.src },
        { arg: ARG.weights, desc: d.filter, query: QUERY.weightsMd },
        ...(biasMd ? [{ arg: ARG.bias, desc: biasMd }] : []),
        { arg: ARG.dst, desc: d.dst, output: true },
      ],
      postOps,
    });
  });
}

/** y = conv(x, filter) (+ bias, activation). */
function runConvForward(
  spec: ConvSpec,
  x: Float32Array<ArrayBuffer>,
  filter: Float32Array<ArrayBuffer>,
  bias: Float32Array<ArrayBuffer> | undefined,
  postOps: EltwisePostOp[],
  y: Float32Array<ArrayBuffer>,
): void {
  const primitive = forwardPrimitive(spec, bias !== undefined, postOps);
  primitive.run(bias ? [x, filter, bias, y] : [x, filter, y]);
}

function runConvBackwardData(
  spec: ConvSpec,
  dy: Float32Array<ArrayBuffer>,
  filter: Float32Array<ArrayBuffer>,
  dx: Float32Array<ArrayBuffer>,
): void {
  const primitive = primitives.get(`${specKey(spec)} bwd_data`, () => {
    const d = convDescs(spec);
    const perGroup = spec.depthwise ? 1 : spec.info.inChannels;
    // Few input channels: the reordered filter buys nothing (module comment); depthwise
    // always uses its blocked layout.
    const filterAsIs = !spec.depthwise && perGroup < 4;
    const desc = convolutionBackwardDataDesc(
      d.src,
      filterAsIs ? d.filter : d.filterAny,
      d.dst,
      d.window,
    );
    return new Primitive(desc, {
      operands: [
        { arg: ARG.diffDst, desc: d.dst },
        { arg: ARG.weights, desc: d.filter, query: QUERY.weightsMd },
        { arg: ARG.diffSrc, desc: d.src, output: true },
      ],
      hint: forwardPrimitive(spec, false, []),
    });
  });
  primitive.run([dy, filter, dx]);
}

function runConvBackwardFilter(
  spec: ConvSpec,
  x: Float32Array<ArrayBuffer>,
  dy: Float32Array<ArrayBuffer>,
  dfilter: Float32Array<ArrayBuffer>,
): void {
  const primitive = primitives.get(`${specKey(spec)} bwd_weights`, () => {
    const d = convDescs(spec);
    const desc = convolutionBackwardWeightsDesc(d.src, d.filterAny, null, d.dst, d.window);
    return new Primitive(desc, {
      operands: [
        { arg: ARG.src, desc: d.src },
        { arg: ARG.diffDst, desc: d.dst },
        { arg: ARG.diffWeights, desc: d.filter, query: QUERY.diffWeightsMd, output: true },
      ],
      hint: forwardPrimitive(spec, false, []),
    });
  });
  primitive.run([x, dy, dfilter]);
}

type ConvAttrs = {
  strides: number | [number, number];
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
  dataFormat?: "NHWC" | "NCHW";
  dilations?: number | [number, number];
  dimRoundingMode?: "floor" | "round" | "ceil";
  activation?: string;
  leakyreluAlpha?: number;
  inputShape?: [number, number, number, number];
  filterShape?: [number, number, number, number];
};

function spec(
  xShape: number[],
  filterShape: number[],
  attrs: ConvAttrs,
  depthwise: boolean,
): ConvSpec {
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    "channelsLast",
  );
  return { info, depthwise, filterShape };
}

const isNhwc = (attrs: ConvAttrs) => (attrs.dataFormat ?? "NHWC") === "NHWC";

function forwardKernel(name: string, depthwise: boolean): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs as Record<
      string,
      tf.TensorInfo | undefined
    >;
    const attrs = args.attrs as unknown as ConvAttrs;
    const postOps = activationPostOps(attrs.activation, attrs.leakyreluAlpha);
    if (
      !isNhwc(attrs) || !allFloat32(x, filter, bias) || postOps === undefined ||
      preluActivationWeights !== undefined || (bias !== undefined && bias.shape.length !== 1) ||
      (bias !== undefined &&
        bias.shape[0] !== (depthwise ? filter!.shape[2] * filter!.shape[3] : filter!.shape[3]))
    ) {
      return fallback(args as never);
    }
    const s = spec(x!.shape, filter!.shape, attrs, depthwise);
    const [out, y] = newOutput(args.backend, s.info.outShape);
    const b = args.backend;
    runConvForward(
      s,
      floats(b, x!),
      floats(b, filter!),
      bias ? floats(b, bias) : undefined,
      postOps,
      y,
    );
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

function backpropInputKernel(name: string, depthwise: boolean): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { dy, filter } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!isNhwc(attrs) || !allFloat32(dy, filter)) return fallback(args as never);
    const s = spec(attrs.inputShape!, filter.shape, attrs, depthwise);
    const backend = args.backend;
    // Lazy: tfjs's fused conv2d asks for the gradient of its input even when that is the
    // image batch, which nothing reads (module comment).
    return backend.lazyOutput(s.info.inShape, [dy, filter], (dx) => {
      runConvBackwardData(s, floats(backend, dy), floats(backend, filter), dx);
    });
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

function backpropFilterKernel(name: string, depthwise: boolean): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { x, dy } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as ConvAttrs;
    if (!isNhwc(attrs) || !allFloat32(x, dy)) return fallback(args as never);
    const s = spec(x.shape, attrs.filterShape!, attrs, depthwise);
    const [out, dfilter] = newOutput(args.backend, attrs.filterShape!);
    runConvBackwardFilter(s, floats(args.backend, x), floats(args.backend, dy), dfilter);
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

/** The convolution kernels above, for the native backend. */
export function convKernelConfigs(): tf.KernelConfig[] {
  return [
    forwardKernel("Conv2D", false),
    forwardKernel("FusedConv2D", false),
    backpropInputKernel("Conv2DBackpropInput", false),
    backpropFilterKernel("Conv2DBackpropFilter", false),
    forwardKernel("DepthwiseConv2dNative", true),
    forwardKernel("FusedDepthwiseConv2D", true),
    backpropInputKernel("DepthwiseConv2dNativeBackpropInput", true),
    backpropFilterKernel("DepthwiseConv2dNativeBackpropFilter", true),
  ];
}
