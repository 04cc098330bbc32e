/**
 * Choose and start a TensorFlow.js backend, once, and report what was chosen.
 *
 * Tiers, best first: `tensorflow` (tfjs-node-gpu, then tfjs-node; only where their native
 * library loads, after `deno task setup:native --tensorflow`), `webgpu` (Deno's WebGPU on
 * a hardware adapter; a software one such as lavapipe only when forced; lib/kernels/webgpu),
 * `native` (oneDNN through Deno FFI where libdnnl loads; lib/kernels/native), `wasm`
 * (tfjs-backend-wasm plus this project's training kernels from lib/kernels/wasm), `cpu`
 * (pure JavaScript, slow).
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
import { numberIn, oneOf } from "../errors.ts";
import {
  BACKEND_NAMES,
  type BackendInfo,
  type BackendName,
  type BackendRequest,
  type HostInfo,
} from "./info.ts";
import { registerWasmKernels } from "../kernels/wasm/mod.ts";
import { MAX_WASM_THREADS, startThreadedWasm } from "../kernels/wasm/threads.ts";
import { loadWebgpuBackend, type WebgpuInfo, webgpuPackageVersion } from "../kernels/webgpu/mod.ts";
import { loadNativeBackend, type NativeBackendInfo } from "../kernels/native/mod.ts";

export { BACKEND_NAMES, type BackendName, type BackendRequest } from "./info.ts";

/** The most threads `--threads` accepts (each tier may run fewer, and says so). */
export const MAX_THREADS = 1024;

/** Options for {@linkcode initBackend}. */
export interface BackendOptions {
  /** Tier to force; `auto` (default) takes the best that loads. */
  backend?: BackendRequest;
  /**
   * Threads for the wasm and native backends; default all cores (wasm: where the threaded
   * build loads).
   */
  threads?: number;
}

/**
 * One way to start a tier: `load` resolves when the backend is active, or throws why not.
 * `forced` is true when the user asked for this tier by name (webgpu then accepts a
 * software adapter). It may resolve to a note when the tier started degraded (e.g. on
 * fewer threads than asked), which is announced like a fallback.
 */
export interface BackendLoader {
  name: BackendName;
  load(options: BackendOptions, forced: boolean): Promise<void | string>;
}

/** The host name where it may be read (a confined reproduction may not). */
function hostname(): { hostname?: string } {
  try {
    return { hostname: os.hostname() };
  } catch {
    return {};
  }
}

/** Describes this machine. */
export function hostInfo(): HostInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model?.trim() ?? "unknown",
    cores: navigator.hardwareConcurrency ?? cpus.length,
    os: `${Deno.build.os} ${Deno.osRelease()} ${Deno.build.arch}`,
    deno: Deno.version.deno,
    ...hostname(),
  };
}

/**
 * Reads the requested tier from `--backend` (already parsed) or `NNLAB_BACKEND`.
 *
 * @example
 * ```ts
 * const request = backendRequest(Deno.args[0]); // "auto" unless one is forced
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
    if (threads !== undefined) {
      const running = Math.min(threads, MAX_WASM_THREADS);
      await startThreadedWasm(running, setBackend);
      if (running < threads) {
        return `wasm: runs ${running} threads, not ${threads} (the most its threaded build has)`;
      }
      return;
    }
    // Default: all cores; where the threaded build cannot start, one thread (the
    // BackendInfo records the count that runs, and the note says why).
    const cores = defaultWasmThreads();
    try {
      await startThreadedWasm(cores, setBackend);
    } catch (error) {
      await startThreadedWasm(1, setBackend);
      return `wasm: runs 1 thread instead of ${cores}: ${firstLine(error)}`;
    }
  },
};

let webgpuInfo: WebgpuInfo | undefined;

const webgpuLoader: BackendLoader = {
  name: "webgpu",
  async load(_options, forced) {
    try {
      webgpuInfo = await loadWebgpuBackend({ allowSoftware: forced });
    } catch (error) {
      // No GPU, or only a software one, is this machine's normal state, not a fallback
      // to announce; a hardware adapter that fails is.
      const message = firstLine(error);
      const noGpu = /^(no WebGPU adapter|navigator\.gpu is missing|the only adapter is)/.test(
        message,
      );
      throw noGpu && !forced ? Object.assign(new Error(message), { absent: true }) : error;
    }
  },
};

let nativeInfo: NativeBackendInfo | undefined;

const nativeLoader: BackendLoader = {
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
  webgpuLoader,
  nativeLoader,
  wasmLoader,
  cpuLoader,
];

/** What {@linkcode chooseBackend} started. */
export interface BackendChoice {
  backend: BackendName;
  /** One line per tier passed over, and any note of a degraded start. */
  skipped: string[];
  /**
   * The lines of `skipped` a user did not expect: a tier that is installed but failed, a
   * degraded start, a thread count the chosen tier does not use. An optional tier that is
   * simply not installed (the native library) is not a fallback.
   */
  fallbacks: string[];
}

/**
 * Starts the requested tier, or the best one that loads for `auto`. Pure of globals but
 * for the loaders, so tests can pass stand-ins. An invalid thread count is an error before
 * any tier is tried, never a reason to fall back to another tier.
 *
 * @returns the tier started, one line per tier passed over, and the unexpected ones.
 * @example
 * ```ts
 * const { backend, fallbacks } = await chooseBackend("auto", { threads: 2 });
 * for (const line of fallbacks) console.error(`backend: ${line}`);
 * ```
 */
export async function chooseBackend(
  request: BackendRequest,
  options: BackendOptions = {},
  loaders: readonly BackendLoader[] = DEFAULT_LOADERS,
): Promise<BackendChoice> {
  oneOf("backend", request, ["auto", ...BACKEND_NAMES]);
  if (options.threads !== undefined) {
    numberIn("--threads", options.threads, { min: 1, max: MAX_THREADS, integer: true });
  }
  const skipped: string[] = [];
  const fallbacks: string[] = [];
  const started = (backend: BackendName, note: void | string): BackendChoice => {
    if (note) {
      skipped.push(note);
      fallbacks.push(note);
    }
    if (options.threads !== undefined && options.threads > 1 && backend === "cpu") {
      fallbacks.push(`cpu: runs 1 thread, not ${options.threads}`);
    }
    return { backend, skipped, fallbacks };
  };
  if (request !== "auto") {
    const loader = loaders.find((l) => l.name === request);
    if (!loader) throw new Error(`backend: no loader for "${request}"`);
    let note: void | string;
    try {
      note = await loader.load(options, true);
    } catch (error) {
      throw new Error(`backend "${request}" was requested but cannot load: ${firstLine(error)}`);
    }
    return started(request, note);
  }
  for (const loader of loaders) {
    let note: void | string;
    try {
      note = await loader.load(options, false);
    } catch (error) {
      const line = `${loader.name}: ${firstLine(error)}`;
      skipped.push(line);
      // "x is not installed" for every package the tier tried, or no GPU: a tier absent.
      const absent = (error as { absent?: boolean }).absent === true ||
        line.split("; ").every((reason) => /is not installed/.test(reason));
      if (!absent) fallbacks.push(line);
      continue;
    }
    return started(loader.name, note);
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
 * const info = await initBackend({ backend: backendRequest() });
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
    const { backend, skipped, fallbacks } = await chooseBackend(request, options);
    // On the terminal, not only in the page: a run on another tier or fewer threads than
    // expected is slower, and may not reproduce bit for bit.
    for (const line of fallbacks) console.error(`backend: fell back: ${line}`);
    await tf.ready();
    return describeBackend(backend, skipped);
  })();
  started.catch(() => (started = undefined));
  return started;
}

/** The package of each tier but tensorflow, whose provider is the native package that loaded. */
const PROVIDERS = {
  webgpu: "@tensorflow/tfjs-backend-webgpu",
  wasm: "@tensorflow/tfjs-backend-wasm",
  cpu: "@tensorflow/tfjs-backend-cpu",
} as const;

function describeBackend(backend: BackendName, skipped: string[]): BackendInfo {
  const versions: Record<string, string> = { ...tf.version } as Record<string, string>;
  let provider: string = PROVIDERS.cpu;
  let threads = 1;
  let simd = false;
  if (backend === "wasm") {
    provider = PROVIDERS.wasm;
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
  } else if (backend === "webgpu" && webgpuInfo) {
    provider = PROVIDERS.webgpu;
    versions["tfjs-backend-webgpu"] = webgpuInfo.version;
    return {
      backend,
      provider,
      threads,
      simd,
      versions,
      skipped,
      host: hostInfo(),
      gpu: webgpuInfo.adapter,
    };
  }
  return { backend, provider, threads, simd, versions, skipped, host: hostInfo() };
}

/**
 * What a tier reports, worked out without starting it: its provider and the library
 * versions that enter a run's key (lib/runs/identity.ts). For a host that only hands runs
 * to a cluster (`--launcher slurm --backend webgpu` on a login node without a GPU): the
 * array tasks start the tier on the compute nodes and refuse a run whose key differs.
 * `threads` is the count asked for (default 1) and `simd` false; neither is known before
 * starting, and neither enters a key. The tensorflow and native tiers cannot be described
 * so: which native package loads (tfjs-node-gpu or tfjs-node), and which oneDNN version and
 * thread count, are part of their identity.
 *
 * @example
 * ```ts
 * const info = await describeUnstartedBackend("webgpu");
 * info.versions["tfjs-backend-webgpu"]; // "4.22.0"
 * ```
 */
export async function describeUnstartedBackend(
  backend: Exclude<BackendName, "tensorflow" | "native">,
  options: { threads?: number } = {},
): Promise<BackendInfo> {
  const versions: Record<string, string> = { ...tf.version } as Record<string, string>;
  if (backend === "wasm") versions["tfjs-backend-wasm"] = tfWasm.version_wasm;
  if (backend === "webgpu") versions["tfjs-backend-webgpu"] = await webgpuPackageVersion();
  return {
    backend,
    provider: PROVIDERS[backend],
    threads: options.threads ?? 1,
    simd: false,
    versions,
    skipped: [],
    host: hostInfo(),
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n")[0];
}
