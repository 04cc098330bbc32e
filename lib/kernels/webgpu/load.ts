/**
 * Starting TensorFlow.js's webgpu backend on Deno's WebGPU, with the adapter recorded and
 * a software adapter refused unless asked for.
 *
 * tfjs-backend-webgpu registers a backend factory of its own that takes whatever adapter
 * the system offers, lavapipe included, and at a priority above wasm and cpu: any code
 * that touched tf before choosing a backend would then start it. So the package is
 * imported only here, when webgpu is wanted, and its factory is replaced by one that uses
 * the adapter and device checked below (with a flat `requiredFeatures` list and the
 * adapter's limits, so large tensors fit).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { adapterSummary, describeAdapter, type WebgpuAdapterInfo } from "./adapter_info.ts";
import { watchDevice } from "./device_lost.ts";
import { registerWebgpuKernels } from "./register.ts";
import { diagnoseVulkanDrivers, hostFileSystem } from "./vulkan_drivers.ts";

/** Options of {@linkcode loadWebgpuBackend}. */
export interface WebgpuOptions {
  /** Use a software (fallback, CPU-type) adapter such as lavapipe; default false. */
  allowSoftware?: boolean;
}

/** What {@linkcode loadWebgpuBackend} started, recorded with every run. */
export interface WebgpuInfo {
  adapter: WebgpuAdapterInfo;
  /** Version of @tensorflow/tfjs-backend-webgpu. */
  version: string;
  /** Device features enabled, e.g. `["timestamp-query"]`. */
  features: string[];
  /** Largest storage buffer one tensor may use, bytes. */
  maxStorageBufferBindingSize: number;
  /** Kernels nnlab replaced for webgpu (lib/kernels/webgpu/register.ts). */
  kernels: string[];
}

let loaded: Promise<WebgpuInfo> | undefined;

/**
 * Finds a WebGPU adapter, refuses a software one unless `allowSoftware`, creates the
 * device, registers nnlab's webgpu kernels and makes `webgpu` the active tfjs backend.
 * Started once per process; later calls return the same result (and still refuse a
 * software adapter when not allowed). A failure is an Error whose one-line message says
 * why: no `navigator.gpu`, no adapter (on Linux: which Vulkan file is missing), a
 * software adapter, or a device that could not be created.
 *
 * @example
 * ```ts
 * const info = await loadWebgpuBackend({ allowSoftware: true });
 * console.log(info.adapter.description, info.adapter.software);
 * ```
 */
export async function loadWebgpuBackend(options: WebgpuOptions = {}): Promise<WebgpuInfo> {
  if (loaded === undefined) {
    loaded = start(options.allowSoftware ?? false);
    loaded.catch(() => (loaded = undefined));
  }
  const info = await loaded;
  refuseSoftware(info.adapter, options.allowSoftware ?? false);
  if (tf.getBackend() !== "webgpu" && !(await tf.setBackend("webgpu"))) {
    throw new Error("tf.setBackend('webgpu') returned false");
  }
  return info;
}

/**
 * The adapter Deno's WebGPU offers, described, without starting a backend; undefined
 * when there is none. Cheap enough for `auto` to ask at start-up.
 *
 * @example
 * ```ts
 * const adapter = await probeWebgpuAdapter(); // undefined on a machine without WebGPU
 * ```
 */
export async function probeWebgpuAdapter(): Promise<WebgpuAdapterInfo | undefined> {
  const adapter = await requestAdapter().catch(() => null);
  return adapter ? describeAdapter(adapter.info, fallbackFlag(adapter)) : undefined;
}

async function start(allowSoftware: boolean): Promise<WebgpuInfo> {
  const adapter = await requestAdapter();
  if (adapter === null) throw new Error(`no WebGPU adapter: ${whyNoAdapter()}`);
  const described = describeAdapter(adapter.info, fallbackFlag(adapter));
  refuseSoftware(described, allowSoftware);

  const features = adapter.features.has("timestamp-query") ? ["timestamp-query" as const] : [];
  const limits = adapter.limits;
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({
      requiredFeatures: features,
      requiredLimits: {
        maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
        maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
        maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
        maxBufferSize: limits.maxBufferSize,
        maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
        maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
      },
    });
  } catch (error) {
    throw new Error(
      `${adapterSummary(described)} could not create a device: ${firstLine(error)}`,
    );
  }
  watchDevice(device);

  const { WebGPUBackend } = await import("@tensorflow/tfjs-backend-webgpu");
  // tfjs's heuristics read the vendor as browsers report it ("intel"), not as a PCI id.
  const backendInfo = { ...adapter.info, vendor: described.vendor } as GPUAdapterInfo;
  if (tf.findBackendFactory("webgpu") !== null) tf.removeBackend("webgpu");
  tf.registerBackend("webgpu", () => new WebGPUBackend(device, backendInfo));
  const kernels = registerWebgpuKernels();
  if (!(await tf.setBackend("webgpu"))) {
    throw new Error("tf.setBackend('webgpu') returned false");
  }
  return {
    adapter: described,
    version: await webgpuPackageVersion(),
    features: [...device.features].map(String).sort(),
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    kernels,
  };
}

function refuseSoftware(adapter: WebgpuAdapterInfo, allowSoftware: boolean): void {
  if (adapter.software && !allowSoftware) {
    throw new Error(
      `the only adapter is ${adapterSummary(adapter)}, a software adapter ` +
        `(${adapter.softwareReason}); it runs only when forced with --backend webgpu`,
    );
  }
}

async function requestAdapter(): Promise<GPUAdapter | null> {
  if (typeof navigator === "undefined" || !("gpu" in navigator) || !navigator.gpu) {
    throw new Error(
      `navigator.gpu is missing: Deno ${Deno.version.deno} has no WebGPU ` +
        "(Deno 2 ships it; Deno 1.x needs --unstable-webgpu)",
    );
  }
  quietVulkanLoader();
  return await navigator.gpu.requestAdapter({ powerPreference: "high-performance" });
}

/** GPUAdapter's own `isFallbackAdapter`, which older WebGPU versions had. */
function fallbackFlag(adapter: GPUAdapter): boolean {
  return Boolean((adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter);
}

function whyNoAdapter(): string {
  switch (Deno.build.os) {
    case "linux":
      return diagnoseVulkanDrivers(hostFileSystem, Deno.env.toObject());
    case "darwin":
      return "Metal offered no adapter (WebGPU needs macOS 10.15 or later on a Metal GPU)";
    case "windows":
      return "neither D3D12 nor Vulkan offered an adapter (update the GPU driver)";
    default:
      return `no WebGPU driver on ${Deno.build.os}`;
  }
}

/**
 * Without a login session XDG_RUNTIME_DIR is unset, and the Wayland client library that
 * Mesa's Vulkan drivers load prints "error: XDG_RUNTIME_DIR is invalid or not set" on
 * every adapter request. Nothing here uses a display: point it at a private directory
 * of ours before the first request, as a session would.
 */
function quietVulkanLoader(): void {
  if (Deno.build.os !== "linux") return;
  try {
    const current = Deno.env.get("XDG_RUNTIME_DIR");
    if (current && Deno.statSync(current).isDirectory) return;
  } catch {
    // Unset or not a directory: fall through.
  }
  try {
    let user = "user";
    try {
      user = String(Deno.uid() ?? "user");
    } catch {
      // No sys permission: one shared name is enough for a directory nothing writes to.
    }
    const dir = `${Deno.env.get("TMPDIR") || "/tmp"}/nnlab-runtime-${user}`;
    Deno.mkdirSync(dir, { recursive: true, mode: 0o700 });
    Deno.env.set("XDG_RUNTIME_DIR", dir);
  } catch {
    // No permission to write or set the variable: the line stays, harmlessly.
  }
}

/**
 * The installed @tensorflow/tfjs-backend-webgpu version, from its package.json, read
 * without importing the package (whose import registers a backend factory).
 *
 * @example
 * ```ts
 * await webgpuPackageVersion(); // "4.22.0"
 * ```
 */
export async function webgpuPackageVersion(): Promise<string> {
  try {
    const main = new URL(import.meta.resolve("@tensorflow/tfjs-backend-webgpu"));
    const json = JSON.parse(await Deno.readTextFile(new URL("../package.json", main)));
    return String(json.version);
  } catch {
    return "unknown";
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0];
}
