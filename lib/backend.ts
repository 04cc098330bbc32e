/**
 * Choose and start a TensorFlow.js backend, once, and report what was chosen.
 *
 * Tiers, best first: `tensorflow` (tfjs-node-gpu, then tfjs-node; only where their native
 * library loads, after `deno task setup:native --tensorflow`), `native` (oneDNN through Deno FFI, where
 * libdnnl loads; lib/kernels/native), `wasm` (tfjs-backend-wasm plus this project's
 * training kernels from lib/kernels), `cpu` (pure JavaScript, slow).
 * `--backend` or `NNLAB_BACKEND` forces one; a forced backend that cannot load is an
 * error, never a silent switch.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import os from "node:os";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { oneOf } from "./errors.ts";
import { registerWasmKernels } from "./kernels/mod.ts";
import { loadNativeBackend, type NativeBackendInfo } from "./kernels/native/mod.ts";
import { MAX_WASM_THREADS, startThreadedWasm } from "./kernels/threads.ts";

/** The backend tiers, best first. */
export const BACKEND_NAMES = ["tensorflow", "native", "wasm", "cpu"] as const;
/** A backend tier. */
export type BackendName = typeof BACKEND_NAMES[number];
/** What a user may ask for: a tier, or `auto` for the best one that loads. */
export type BackendRequest = BackendName | "auto";

/** Options for {@linkcode initBackend}. */
export interface BackendOptions {
  /** Tier to force; `auto` (default) takes the best that loads. */
  backend?: BackendRequest;
  /** Threads for the wasm and native backends; default all cores (wasm: where the threaded
   * build loads). */
  threads?: number;
}

/** One way to start a tier: `load` resolves when the backend is active, or throws why not. */
export interface BackendLoader {
  name: BackendName;
  load(options: BackendOptions): Promise<void>;
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
}

/** The machine a run ran on. */
export interface HostInfo {
  cpu: string;
  cores: number;
  os: string;
  deno: string;
}

/** Describes this machine. */
export function hostInfo(): HostInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency ?? cpus.length,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
  };
}

/**
 * Reads the requested tier from `--backend` (already parsed) or `NNLAB_BACKEND`.
 *
 * @example
 * ```ts
 * const request = backendRequest(flags.backend); // "auto" unless one is forced
 * ```
 */
export function backendRequest(flag?: string): BackendRequest {
  const fromEnv = Deno.env.get("NNLAB_BACKEND") || undefined;
  const [name, value] = flag !== undefined ? ["--backend", flag] : ["NNLAB_BACKEND", fromEnv];
  if (value === undefined) return "auto";
  return oneOf(name, value, ["auto", ...BACKEND_NAMES]);
}

const nativePackages = ["@tensorflow/tfjs-node-gpu", "@tensorflow/tfjs-node"];
let nativeProvider = "";

const tensorflowLoader: BackendLoader = {
  name: "tensorflow",
  async load() {
    const reasons: string[] = [];
    for (const specifier of nativePackages) {
      try {
        // A computed specifier: the package is optional and only present after
        // `deno task setup:native`, so neither the type checker nor the module graph
        // may require it.
        await import(specifier);
        if (!(await tf.setBackend("tensorflow"))) throw new Error("setBackend failed");
        nativeProvider = specifier;
        return;
      } catch (error) {
        const missing = /not a dependency|Cannot find (module|package)/.test(firstLine(error));
        reasons.push(`${specifier} ${missing ? "is not installed" : firstLine(error)}`);
      }
    }
    throw new Error(
      `${reasons.join("; ")} (run \`deno task setup:native --tensorflow\` to install)`,
    );
  },
};

/** Directory holding the .wasm binaries of the local npm install; no network at run time. */
export function wasmBinaryDir(): string {
  return dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm"))) + "/";
}

/**
 * Threads the wasm backend uses unless told: every core, up to what the threaded build
 * supports.
 */
export function defaultWasmThreads(): number {
  return Math.min(MAX_WASM_THREADS, navigator.hardwareConcurrency ?? os.cpus().length);
}

const wasmLoader: BackendLoader = {
  name: "wasm",
  async load({ threads }) {
    tfWasm.setWasmPaths(wasmBinaryDir());
    registerWasmKernels();
    const setBackend = () => tf.setBackend("wasm");
    if (threads !== undefined) return startThreadedWasm(threads, setBackend);
    // Default: all cores; where the threaded build cannot start, one thread (the
    // BackendInfo records the count that runs).
    try {
      await startThreadedWasm(defaultWasmThreads(), setBackend);
    } catch {
      await startThreadedWasm(1, setBackend);
    }
  },
};

let nativeInfo: NativeBackendInfo | undefined;

const oneDnnLoader: BackendLoader = {
  name: "native",
  async load({ threads }) {
    nativeInfo = await loadNativeBackend({ threads });
  },
};

const cpuLoader: BackendLoader = {
  name: "cpu",
  async load() {
    if (!(await tf.setBackend("cpu"))) throw new Error("tf.setBackend('cpu') returned false");
  },
};

/** The loaders nnlab uses, best first. */
export const DEFAULT_LOADERS: readonly BackendLoader[] = [
  tensorflowLoader,
  oneDnnLoader,
  wasmLoader,
  cpuLoader,
];

/**
 * Starts the requested tier, or the best one that loads for `auto`. Pure of globals but
 * for the loaders, so tests can pass stand-ins.
 *
 * @returns the tier started and one line per tier passed over.
 */
export async function chooseBackend(
  request: BackendRequest,
  options: BackendOptions = {},
  loaders: readonly BackendLoader[] = DEFAULT_LOADERS,
): Promise<{ backend: BackendName; skipped: string[] }> {
  oneOf("backend", request, ["auto", ...BACKEND_NAMES]);
  if (request !== "auto") {
    const loader = loaders.find((l) => l.name === request);
    if (!loader) throw new Error(`backend: no loader for "${request}"`);
    try {
      await loader.load(options);
    } catch (error) {
      throw new Error(`backend "${request}" was requested but cannot load: ${firstLine(error)}`);
    }
    return { backend: request, skipped: [] };
  }
  const skipped: string[] = [];
  for (const loader of loaders) {
    try {
      await loader.load(options);
      return { backend: loader.name, skipped };
    } catch (error) {
      skipped.push(`${loader.name}: ${firstLine(error)}`);
    }
  }
  throw new Error(`backend: no backend could load (${skipped.join("; ")})`);
}

let started: Promise<BackendInfo> | undefined;

/**
 * Starts a backend once per process and reports it. Later calls return the first result;
 * asking for a different tier after start-up is an error.
 *
 * @example
 * ```ts
 * const info = await initBackend({ backend: backendRequest(flags.backend) });
 * console.log(`backend ${info.backend}, ${info.threads} thread(s)`);
 * ```
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const request = options.backend ?? backendRequest();
  if (started) {
    return started.then((info) => {
      if (request !== "auto" && request !== info.backend) {
        throw new Error(
          `backend: "${request}" was requested but "${info.backend}" is already running`,
        );
      }
      return info;
    });
  }
  started = (async () => {
    const { backend, skipped } = await chooseBackend(request, options);
    await tf.ready();
    return describeBackend(backend, skipped);
  })();
  started.catch(() => (started = undefined));
  return started;
}

function describeBackend(backend: BackendName, skipped: string[]): BackendInfo {
  const versions: Record<string, string> = { ...tf.version } as Record<string, string>;
  let provider = "@tensorflow/tfjs-backend-cpu";
  let threads = 1;
  let simd = false;
  if (backend === "wasm") {
    provider = "@tensorflow/tfjs-backend-wasm";
    versions["tfjs-backend-wasm"] = tfWasm.version_wasm;
    threads = tfWasm.getThreadsCount();
    simd = tf.env().getBool("WASM_HAS_SIMD_SUPPORT");
  } else if (backend === "native" && nativeInfo) {
    provider = `oneDNN ${nativeInfo.version} (${nativeInfo.library}, ${nativeInfo.cpuRuntime})`;
    versions.onednn = nativeInfo.version;
    threads = nativeInfo.threads;
    simd = true;
  } else if (backend === "tensorflow") {
    provider = nativeProvider;
    threads = navigator.hardwareConcurrency ?? 1;
  }
  return { backend, provider, threads, simd, versions, skipped, host: hostInfo() };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
