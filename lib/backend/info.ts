/**
 * What a started backend is, as recorded with every run: the tier names, the backend's
 * description, the host, and the part of it that enters a run's key. Imports nothing, so
 * any module may use these names without pulling a backend in.
 *
 * @module
 */

/** The backend tiers, best first. */
export const BACKEND_NAMES = ["tensorflow", "webgpu", "native", "wasm", "cpu"] as const;
/** A backend tier. */
export type BackendName = typeof BACKEND_NAMES[number];
/** What a user may ask for: a tier, or `auto` for the best one that loads. */
export type BackendRequest = BackendName | "auto";

/** The machine a run ran on. */
export interface HostInfo {
  cpu: string;
  cores: number;
  os: string;
  deno: string;
  /** The host name, where it may be read. */
  hostname?: string;
}

/** What was started, recorded with every run. */
export interface BackendInfo {
  backend: BackendName;
  /** The package that provides it, e.g. `@tensorflow/tfjs-backend-wasm`. */
  provider: string;
  threads: number;
  simd: boolean;
  versions: Record<string, string>;
  /** Why better tiers were passed over, one line each. */
  skipped: string[];
  host: HostInfo;
  /** The GPU adapter, for the webgpu tier. */
  gpu?: GpuAdapterInfo;
}

/** A WebGPU adapter as recorded with a run (described by lib/kernels/webgpu/adapter_info.ts). */
export interface GpuAdapterInfo {
  /** Vendor name when its PCI id is known ("nvidia", "amd", "intel", "apple", "mesa"), else what the adapter reported. */
  vendor: string;
  /** What the adapter reported as vendor: Deno gives the PCI id in decimal ("4318" for NVIDIA), browsers a name. */
  vendorId: string;
  /** GPU family, e.g. "turing", "gen-12lp"; often empty under Deno. */
  architecture: string;
  /** Device id or name; "0" when the driver has none. */
  device: string;
  /** The driver's description, e.g. "llvmpipe (LLVM 15.0.6, 256 bits)". */
  description: string;
  /** The adapter's own fallback flag (WebGPU's isFallbackAdapter). */
  isFallbackAdapter: boolean;
  /** A software adapter: fallback-flagged or known by name to run on the CPU. */
  software: boolean;
  /** Why it counts as software; empty for a hardware adapter. */
  softwareReason: string;
}

/**
 * The part of a backend that can change a run's numbers, and so enters its key: the tier,
 * the version of the library doing the arithmetic, and the token digest of this project's
 * kernels for that tier. The thread count is left out where results do not depend on it.
 */
export interface BackendIdentity {
  name: BackendName;
  /** e.g. "@tensorflow/tfjs-backend-wasm@4.22.0". */
  library: string;
  /** Digest of lib/kernels/<tier>'s code; null for tiers without kernels of ours. */
  kernels: string | null;
  /** Present only for tiers whose results depend on the thread count. */
  threads?: number;
}
