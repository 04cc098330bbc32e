/**
 * The `native` backend: TensorFlow.js kernels on oneDNN (libdnnl) through Deno FFI.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { NativeBackend, registerNativeKernels } from "./backend.ts";
import { installEarlyRelease } from "./early_release.ts";
import { nativeKernelConfigs } from "./kernels.ts";
import { NATIVE_BACKEND } from "./kernel_util.ts";
import { versionString } from "./library.ts";
import { startOneDnn } from "./runtime.ts";
import { setOneDnnThreads } from "./threads.ts";

/** What {@linkcode loadNativeBackend} started, for the run record. */
export interface NativeBackendInfo {
  backend: "native";
  /** The libdnnl that loaded (a name the loader resolved, or a path). */
  library: string;
  /** oneDNN's version, e.g. "2.6.3". */
  version: string;
  /** oneDNN's CPU threading runtime, e.g. "OpenMP". */
  cpuRuntime: string;
  /** Threads oneDNN runs. */
  threads: number;
}

/** Options of {@linkcode loadNativeBackend}. */
export interface NativeBackendOptions {
  /** Threads for oneDNN; default every core. */
  threads?: number;
}

let loaded: NativeBackendInfo | undefined;

/**
 * Loads oneDNN, registers the `native` tfjs backend and makes it the active one. Throws an
 * Error whose first line says what is missing (no libdnnl and where we looked, a wrong
 * version, a missing function) when oneDNN cannot be used.
 *
 * @example
 * ```ts
 * const info = await loadNativeBackend({ threads: 1 });
 * console.log(`oneDNN ${info.version}, ${info.threads} thread(s)`);
 * ```
 */
export async function loadNativeBackend(
  options: NativeBackendOptions = {},
): Promise<NativeBackendInfo> {
  const threads = options.threads ?? navigator.hardwareConcurrency ?? 1;
  if (!(Number.isInteger(threads) && threads >= 1)) {
    throw new Error(`native backend: threads: got ${threads}; expected an integer >= 1`);
  }
  if (loaded === undefined) {
    const runtime = startOneDnn();
    const running = setOneDnnThreads(runtime.library, threads);
    registerNativeKernels(nativeKernelConfigs());
    tf.registerBackend(NATIVE_BACKEND, () => new NativeBackend(), 0);
    installEarlyRelease();
    loaded = {
      backend: NATIVE_BACKEND,
      library: runtime.library.path,
      version: versionString(runtime.library.version),
      cpuRuntime: runtime.library.version.cpuRuntime,
      threads: running,
    };
  } else if (options.threads !== undefined && options.threads !== loaded.threads) {
    throw new Error(
      `native backend: already running ${loaded.threads} thread(s); asked for ${options.threads}`,
    );
  }
  if (!(await tf.setBackend(NATIVE_BACKEND))) {
    throw new Error("native backend: tf.setBackend('native') returned false");
  }
  return loaded;
}
