/**
 * 2-D pooling on oneDNN, NHWC: MaxPool, AvgPool and their gradients MaxPoolGrad and
 * AvgPoolGrad.
 *
 * oneDNN's max-pooling backward routes each gradient to the arg-max that its training
 * forward recorded in a workspace (one byte per output element for windows under 256).
 * MaxPool keeps that workspace with its output tensor (`NativeBackend.attach`); tfjs
 * saves the very output for MaxPoolGrad (a clone sharing its data), which finds the
 * workspace there. A MaxPoolGrad whose output came from elsewhere recomputes the forward.
 * Ties go to the first maximum in the window, as in the cpu kernel.
 *
 * Average pooling follows tfjs's cpu kernels, which disagree at padded borders: the
 * forward divides by the number of real (unpadded) elements of each window (oneDNN's
 * `avg_exclude_padding`), the gradient by the whole window size (`avg_include_padding`),
 * so that native, cpu and wasm train alike. Without padding ("valid") the two agree.
 *
 * Shapes: x (N, H, W, C), y and dy (N, H', W', C).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { ALG, ARG, PROP, QUERY } from "./abi.ts";
import { poolingBackwardDesc, poolingForwardDesc } from "./descriptors.ts";
import type { NativeBackend } from "./backend.ts";
import {
  cpuKernel,
  floats,
  type KernelArgs,
  NATIVE_BACKEND,
  newOutput,
  primitives,
} from "./kernel_util.ts";
import { memoryDesc, nhwc } from "./memory_desc.ts";
import { Primitive } from "./primitive.ts";
import { windowArrays, windowGeometry } from "./window_geometry.ts";

type PoolAttrs = {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: "same" | "valid" | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: "floor" | "round" | "ceil";
};

/** A workspace kept with a max-pool output: the primitive key it belongs to and its bytes. */
interface Workspace {
  key: string;
  buffer: ArrayBuffer;
}

function poolInfo(xShape: number[], attrs: PoolAttrs): tf.backend_util.Conv2DInfo {
  return tf.backend_util.computePool2DInfo(
    xShape as [number, number, number, number],
    attrs.filterSize,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
  );
}

function poolKey(kind: string, info: tf.backend_util.Conv2DInfo): string {
  return [
    "pool",
    kind,
    info.inShape,
    info.outShape,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ].join(" ");
}

function descs(info: tf.backend_util.Conv2DInfo) {
  const g = windowGeometry(info);
  const w = windowArrays(g);
  return {
    window: w,
    kernel: w.kernel,
    src: memoryDesc(nhwc(info.inShape)),
    dst: memoryDesc(nhwc(info.outShape)),
  };
}

/** Forward primitive; max pooling's has a third operand, the workspace. */
function forwardPrimitive(alg: number, info: tf.backend_util.Conv2DInfo): Primitive {
  return primitives.get(poolKey(`fwd ${alg}`, info), () => {
    const d = descs(info);
    const desc = poolingForwardDesc(PROP.forwardTraining, alg, d.src, d.dst, d.window, d.kernel);
    return new Primitive(desc, {
      operands: [
        { arg: ARG.src, desc: d.src },
        { arg: ARG.dst, desc: d.dst, output: true },
        ...(alg === ALG.poolingMax
          ? [{ arg: ARG.workspace, query: QUERY.workspaceMd, output: true }]
          : []),
      ],
    });
  });
}

function backwardPrimitive(alg: number, info: tf.backend_util.Conv2DInfo): Primitive {
  return primitives.get(poolKey(`bwd ${alg}`, info), () => {
    const d = descs(info);
    const hint = forwardPrimitive(alg, info);
    const desc = poolingBackwardDesc(alg, d.src, d.dst, d.window, d.kernel);
    return new Primitive(desc, {
      operands: [
        { arg: ARG.diffDst, desc: d.dst },
        { arg: ARG.diffSrc, desc: d.src, output: true },
        ...(alg === ALG.poolingMax ? [{ arg: ARG.workspace, query: QUERY.workspaceMd }] : []),
      ],
      hint,
    });
  });
}

/** Runs the max-pool forward; returns its workspace, a buffer of the backend's pool. */
function maxPoolForward(
  backend: NativeBackend,
  info: tf.backend_util.Conv2DInfo,
  x: Float32Array<ArrayBuffer>,
  y: Float32Array<ArrayBuffer>,
): Workspace {
  const primitive = forwardPrimitive(ALG.poolingMax, info);
  const buffer = backend.pool.take(primitive.operandBytes(2));
  primitive.run([x, y, buffer]);
  return { key: poolKey("ws", info), buffer };
}

const isNhwc = (attrs: tf.NamedAttrMap) => (attrs.dataFormat ?? "NHWC") === "NHWC";

function forwardKernel(name: "MaxPool" | "AvgPool"): tf.KernelConfig {
  const fallback = cpuKernel(name);
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as unknown as PoolAttrs;
    if (x.dtype !== "float32" || !isNhwc(args.attrs ?? {})) return fallback(args as never);
    const info = poolInfo(x.shape, attrs);
    // A 1x1 window with stride 1 is the identity, which the cpu kernel shares.
    if (
      info.filterHeight === 1 && info.filterWidth === 1 &&
      tf.util.arraysEqual(info.inShape, info.outShape)
    ) {
      return fallback(args as never);
    }
    const backend = args.backend;
    const [out, y] = newOutput(backend, info.outShape);
    if (name === "MaxPool") {
      const workspace = maxPoolForward(backend, info, floats(backend, x), y);
      backend.attach(out.dataId, workspace, () => backend.pool.release(workspace.buffer));
    } else {
      forwardPrimitive(ALG.poolingAvgExcludePadding, info).run([floats(backend, x), y]);
    }
    return out;
  };
  return { kernelName: name, backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}

function maxPoolGradKernel(): tf.KernelConfig {
  const fallback = cpuKernel("MaxPoolGrad");
  const kernelFunc = (args: KernelArgs) => {
    const { dy, input, output } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as PoolAttrs;
    if (dy.dtype !== "float32" || input.dtype !== "float32") return fallback(args as never);
    const backend = args.backend;
    const info = poolInfo(input.shape, attrs);
    const kept = backend.attachment(output.dataId) as Workspace | undefined;
    let workspace = kept;
    if (kept?.key !== poolKey("ws", info)) {
      // No workspace from this output's forward: recompute it (and the output, unused).
      const y = backend.newFloat32(tf.util.sizeFromShape(info.outShape));
      workspace = maxPoolForward(backend, info, floats(backend, input), y);
      backend.pool.release(y.buffer);
    }
    const [out, dx] = newOutput(backend, info.inShape);
    backwardPrimitive(ALG.poolingMax, info).run([floats(backend, dy), dx, workspace!.buffer]);
    if (workspace !== kept) backend.pool.release(workspace!.buffer);
    return out;
  };
  return {
    kernelName: "MaxPoolGrad",
    backendName: NATIVE_BACKEND,
    kernelFunc: kernelFunc as never,
  };
}

function avgPoolGradKernel(): tf.KernelConfig {
  const fallback = cpuKernel("AvgPoolGrad");
  const kernelFunc = (args: KernelArgs) => {
    const { dy, input } = args.inputs as Record<string, tf.TensorInfo>;
    const attrs = args.attrs as unknown as PoolAttrs;
    if (dy.dtype !== "float32") return fallback(args as never);
    const info = poolInfo(input.shape, attrs);
    const [out, dx] = newOutput(args.backend, info.inShape);
    backwardPrimitive(ALG.poolingAvgIncludePadding, info).run([floats(args.backend, dy), dx]);
    return out;
  };
  return {
    kernelName: "AvgPoolGrad",
    backendName: NATIVE_BACKEND,
    kernelFunc: kernelFunc as never,
  };
}

/** The pooling kernels above, for the native backend. */
export function poolKernelConfigs(): tf.KernelConfig[] {
  return [
    forwardKernel("MaxPool"),
    forwardKernel("AvgPool"),
    maxPoolGradKernel(),
    avgPoolGradKernel(),
  ];
}
