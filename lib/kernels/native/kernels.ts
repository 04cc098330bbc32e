/**
 * Every oneDNN kernel of the native backend, in one list for registration.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { activationKernelConfigs } from "./activation_kernels.ts";
import { binaryKernelConfigs } from "./binary_kernels.ts";
import { castKernelConfig } from "./cast_kernel.ts";
import { convKernelConfigs } from "./conv_kernels.ts";
import { lossKernelConfigs } from "./loss_kernels.ts";
import { matmulKernelConfigs } from "./matmul_kernels.ts";
import { normKernelConfigs } from "./norm_kernels.ts";
import { optimizerKernelConfigs } from "./optimizer_kernels.ts";
import { poolKernelConfigs } from "./pool_kernels.ts";
import { reduceKernelConfigs } from "./reduce_kernels.ts";
import { unaryKernelConfigs } from "./unary_kernels.ts";

/**
 * The kernels lib/kernels/native provides for the native backend (the cpu backend's
 * serve every other op).
 *
 * @example
 * ```ts
 * import { registerNativeKernels } from "./backend.ts";
 * registerNativeKernels(nativeKernelConfigs());
 * ```
 */
export function nativeKernelConfigs(): tf.KernelConfig[] {
  return [
    ...unaryKernelConfigs(),
    ...binaryKernelConfigs(),
    ...reduceKernelConfigs(),
    ...convKernelConfigs(),
    ...poolKernelConfigs(),
    ...matmulKernelConfigs(),
    ...normKernelConfigs(),
    ...activationKernelConfigs(),
    castKernelConfig(),
    ...optimizerKernelConfigs(),
    ...lossKernelConfigs(),
  ];
}
