/**
 * Cast for the native backend: a cast to float32 from int32 or bool copies the values
 * into a Float32Array. The cpu kernel keeps the original Int32Array or Uint8Array under
 * the float32 tensor instead, which every oneDNN kernel would then have to convert.
 * Other casts are the cpu kernel's.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { cpuKernel, type KernelArgs, NATIVE_BACKEND } from "./kernel_util.ts";

/** The Cast kernel config for the native backend. */
export function castKernelConfig(): tf.KernelConfig {
  const fallback = cpuKernel("Cast");
  const kernelFunc = (args: KernelArgs) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { dtype } = args.attrs as { dtype: tf.DataType };
    if (dtype !== "float32" || (x.dtype !== "int32" && x.dtype !== "bool")) {
      return fallback(args as never);
    }
    const values = args.backend.data.get(x.dataId).values as Int32Array | Uint8Array;
    return args.backend.makeTensorInfo(x.shape, "float32", Float32Array.from(values));
  };
  return { kernelName: "Cast", backendName: NATIVE_BACKEND, kernelFunc: kernelFunc as never };
}
