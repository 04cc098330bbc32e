/**
 * The webgpu tier: TensorFlow.js's webgpu backend on Deno's WebGPU (Metal on macOS,
 * D3D12 on Windows, Vulkan on Linux), the adapter it runs on, and nnlab's WGSL kernels
 * registered for webgpu only.
 *
 * @example
 * ```ts
 * import { loadWebgpuBackend } from "./mod.ts";
 * const info = await loadWebgpuBackend({ allowSoftware: false }); // throws on lavapipe
 * console.log(info.adapter.vendor, info.adapter.description);
 * ```
 *
 * @module
 */
export {
  loadWebgpuBackend,
  probeWebgpuAdapter,
  type WebgpuInfo,
  type WebgpuOptions,
  webgpuPackageVersion,
} from "./load.ts";
export { adapterSummary, describeAdapter, type WebgpuAdapterInfo } from "./adapter_info.ts";
export { diagnoseVulkanDrivers, type DriverFileSystem, icdDirectories } from "./vulkan_drivers.ts";
export { assertDeviceAlive, webgpuDeviceProblem } from "./device_lost.ts";
export { registerWebgpuKernels, WEBGPU_KERNELS } from "./register.ts";
