/**
 * What a WebGPU adapter is, in the words a run record and a user need: who made it, what
 * it is called, and whether it is a real GPU or a software rasterizer running on the CPU
 * (lavapipe/llvmpipe, SwiftShader, WARP), which `auto` must never pick.
 *
 * Pure functions over plain values, so they are tested without a GPU.
 *
 * @module
 */
import type { GpuAdapterInfo } from "../../backend/info.ts";

/** The adapter a webgpu backend runs on, as every run records it (lib/backend/info.ts). */
export type WebgpuAdapterInfo = GpuAdapterInfo;

/** PCI vendor ids (decimal, as Deno reports them) of the GPU makers users meet. */
const PCI_VENDORS: Record<string, string> = {
  "4318": "nvidia", // 0x10de
  "4098": "amd", // 0x1002
  "32902": "intel", // 0x8086
  "4203": "apple", // 0x106b
  "5045": "arm", // 0x13b5
  "20803": "qualcomm", // 0x5143
  "5348": "broadcom", // 0x14e4
  "4139": "matrox", // 0x102b
  "5549": "vmware", // 0x15ad
  "6880": "virtio", // 0x1af4
  // Vulkan's id for Mesa's own devices (VK_VENDOR_ID_MESA); of these only lavapipe
  // reaches WebGPU.
  "65541": "mesa", // 0x10005
};

/** Driver names of adapters that rasterize on the CPU. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render|\bwarp\b/i;

/** The fields of GPUAdapterInfo this module reads; older specs put the flag on the adapter. */
export interface RawAdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/**
 * Describes an adapter from its `GPUAdapterInfo` (and the adapter's own
 * `isFallbackAdapter`, where an older WebGPU puts it).
 *
 * @example
 * ```ts
 * const info = describeAdapter({
 *   vendor: "65541", architecture: "", device: "0",
 *   description: "llvmpipe (LLVM 15.0.6, 256 bits)", isFallbackAdapter: true,
 * });
 * info.software; // true
 * info.vendor; // "mesa"
 * ```
 */
export function describeAdapter(
  raw: RawAdapterInfo,
  adapterFallbackFlag = false,
): WebgpuAdapterInfo {
  const vendorId = String(raw.vendor ?? "");
  const description = String(raw.description ?? "");
  const device = String(raw.device ?? "");
  const isFallbackAdapter = Boolean(raw.isFallbackAdapter ?? adapterFallbackFlag);
  const named = SOFTWARE_NAMES.exec(`${description} ${device}`);
  const softwareReason = isFallbackAdapter
    ? "the adapter says it is a fallback adapter"
    : named
    ? `"${named[0]}" is a software rasterizer`
    : vendorId === "65541"
    ? "Mesa's vendor id 0x10005 is used only by its software device"
    : "";
  return {
    vendor: PCI_VENDORS[vendorId] ?? (vendorId.toLowerCase() || "unknown"),
    vendorId,
    architecture: String(raw.architecture ?? ""),
    device,
    description,
    isFallbackAdapter,
    software: softwareReason !== "",
    softwareReason,
  };
}

/**
 * One line naming an adapter, for logs, bench lines and pages.
 *
 * @example
 * ```ts
 * const info = describeAdapter({ vendor: "65541", description: "llvmpipe (LLVM 15.0.6, 256 bits)" });
 * adapterSummary(info); // "llvmpipe (LLVM 15.0.6, 256 bits) [mesa, software]"
 * ```
 */
export function adapterSummary(info: WebgpuAdapterInfo): string {
  const name = info.description || info.device || "unnamed adapter";
  const details = [info.vendor, info.architecture, info.software ? "software" : "hardware"]
    .filter((part) => part !== "");
  return `${name} [${details.join(", ")}]`;
}
