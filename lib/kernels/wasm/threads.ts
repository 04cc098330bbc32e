/**
 * Multithreaded wasm under Deno: starts tfjs-backend-wasm's threaded SIMD build
 * (`tfjs-backend-wasm-threaded-simd.wasm`, XNNPACK on a pthreadpool of Web Workers).
 *
 * Stock tfjs-backend-wasm 4.22 never runs threaded under Deno, for four reasons, each
 * handled here for the duration of start-up only:
 *
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` is false whenever tfjs sees Node (`IS_NODE`, true
 *    under Deno because `process.versions.node` exists). We check what the flag would
 *    check (SharedArrayBuffer, Atomics, the wasm threads proposal) and then set it.
 * 2. The emscripten glue starts each pthread worker with `new Worker(blobUrl)` using
 *    `node:worker_threads`, which rejects Blob URLs (ERR_WORKER_PATH). While the glue
 *    builds its pool we replace `worker_threads.Worker` by a subclass that starts the
 *    same worker script (the package's `wasmWorkerContents`) from source with
 *    `{ eval: true }`, and that tells each worker to load the glue from its real path
 *    (`wasm-out/tfjs-backend-wasm-threaded-simd.js`, same build as the bundled copy)
 *    instead of a Blob it cannot read.
 * 3. Deno's worker global has a getter-only `location`, which the worker script assigns;
 *    a one-line prelude makes it a plain property before the script runs.
 * 4. The backend caps the pool at `os.cpus().length / 2` (it assumes two hyper-threads
 *    per core): on a 2-core machine that is one thread whatever `setThreadsCount` says.
 *    While the module starts we report `2 * threads` logical cores so the cap is the
 *    thread count asked for.
 *
 * Every replaced global is restored before {@linkcode startThreadedWasm} returns, so the
 * rest of the process sees the stock `worker_threads`, `os` and `Worker`.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
import workerThreads from "node:worker_threads";
import os from "node:os";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { numberIn } from "../../errors.ts";

/**
 * Most threads the threaded build can use: emscripten pre-creates 8 workers
 * (PTHREAD_POOL_SIZE) and the backend caps its pool at 8.
 */
export const MAX_WASM_THREADS = 8;

/** Folder of the emscripten outputs of the installed tfjs-backend-wasm. */
function wasmOutDir(): string {
  const dist = dirname(fileURLToPath(import.meta.resolve("@tensorflow/tfjs-backend-wasm")));
  return join(dirname(dist), "wasm-out");
}

/**
 * Why this runtime cannot run the threaded build, or `undefined` when it can.
 *
 * @example
 * ```ts
 * import { threadedWasmUnsupported } from "./threads.ts";
 *
 * const reason = threadedWasmUnsupported();
 * if (reason) console.log(`single-threaded wasm: ${reason}`);
 * ```
 */
export function threadedWasmUnsupported(): string | undefined {
  if (typeof SharedArrayBuffer !== "function") return "SharedArrayBuffer is not available";
  if (typeof Atomics !== "object") return "Atomics is not available";
  // A tiny module with a shared memory and an atomic load: the threads proposal.
  const threadsProbe = new Uint8Array([
    0,
    97,
    115,
    109,
    1,
    0,
    0,
    0,
    1,
    4,
    1,
    96,
    0,
    0,
    3,
    2,
    1,
    0,
    5,
    4,
    1,
    3,
    1,
    1,
    10,
    11,
    1,
    9,
    0,
    65,
    0,
    254,
    16,
    2,
    0,
    26,
    11,
  ]);
  if (!WebAssembly.validate(threadsProbe)) return "this runtime lacks wasm threads";
  return undefined;
}

/**
 * The pthread worker script of the installed package, as source for `{ eval: true }`.
 * The package stores it in a template literal whose `\n` became real newlines inside
 * string literals; escaping them back is what the package itself does before making
 * its Blob.
 */
function pthreadWorkerSource(): string {
  const require = createRequire(import.meta.url);
  const { wasmWorkerContents } = require(
    join(wasmOutDir(), "tfjs-backend-wasm-threaded-simd.worker.js"),
  ) as { wasmWorkerContents: string };
  const prelude =
    'Object.defineProperty(globalThis,"location",{value:undefined,writable:true,configurable:true});';
  return wasmWorkerContents.replace(/\n/g, "\\n")
    // After the directive, so the worker script keeps its strict mode.
    .replace(/^"use strict";/, (directive) => directive + prelude);
}

/** Replaces what start-up needs replaced; returns the function that puts it all back. */
function installShims(threads: number): () => void {
  const source = pthreadWorkerSource();
  const mainScript = join(wasmOutDir(), "tfjs-backend-wasm-threaded-simd.js");
  const NodeWorker = workerThreads.Worker;

  class PthreadWorker extends NodeWorker {
    // The glue passes a Blob URL of the same worker script; node workers cannot load it.
    constructor(_blobUrl: string | URL) {
      super(source, { eval: true });
    }
    // deno-lint-ignore no-explicit-any
    override postMessage(message: any, transferList?: readonly any[]): void {
      if (message?.cmd === "load") message = { ...message, urlOrBlob: mainScript };
      super.postMessage(message, transferList as never);
    }
    // Emscripten refs a worker while its pthread runs, so that a Node program lives as
    // long as its threads. XNNPACK's pool threads run for the life of the backend and
    // only ever serve calls the main thread waits for, so they must not keep the
    // process alive after the script's last line.
    override ref(): void {}
  }

  const writableThreads = workerThreads as { Worker: typeof NodeWorker };
  const writableOs = os as { cpus: typeof os.cpus };
  const globals = globalThis as { Worker?: unknown };
  const savedCpus = os.cpus;
  const savedGlobalWorker = globals.Worker;
  writableThreads.Worker = PthreadWorker;
  writableOs.cpus = () => {
    const cpus = savedCpus();
    return Array.from({ length: 2 * threads }, (_, i) => cpus[i % cpus.length]);
  };
  return () => {
    writableThreads.Worker = NodeWorker;
    writableOs.cpus = savedCpus;
    // The glue sets the global Worker to node's; Deno code expects the Web Worker.
    globals.Worker = savedGlobalWorker;
  };
}

/**
 * Starts the wasm backend with `threads` threads: the threaded SIMD build when
 * `threads > 1`, the single-threaded SIMD build when `threads === 1`. `setWasmPaths`
 * must have been called with a folder (not a file map), and the backend must not have
 * started yet. Throws, with the reason, when the threaded build cannot start.
 *
 * @param threads threads XNNPACK may use, 1..{@linkcode MAX_WASM_THREADS}.
 * @param setBackend starts the backend, e.g. `() => tf.setBackend("wasm")`.
 *
 * @example
 * ```ts
 * import * as tf from "@tensorflow/tfjs";
 * import * as tfWasm from "@tensorflow/tfjs-backend-wasm";
 * import { startThreadedWasm } from "./threads.ts";
 * import { wasmBinaryDir } from "../../backend/init.ts";
 *
 * tfWasm.setWasmPaths(wasmBinaryDir());
 * await startThreadedWasm(2, () => tf.setBackend("wasm"));
 * tfWasm.getThreadsCount(); // 2
 * ```
 */
export async function startThreadedWasm(
  threads: number,
  setBackend: () => Promise<boolean>,
): Promise<void> {
  numberIn("threads", threads, { min: 1, max: MAX_WASM_THREADS, integer: true });
  tfWasm.setThreadsCount(threads);
  if (threads === 1) {
    tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
    if (!(await setBackend())) throw new Error("tf.setBackend('wasm') returned false");
    return;
  }
  const unsupported = threadedWasmUnsupported();
  if (unsupported) throw new Error(`threads: got ${threads}; ${unsupported}`);
  tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", true);
  const restore = installShims(threads);
  try {
    if (!(await setBackend())) throw new Error("tf.setBackend('wasm') returned false");
  } finally {
    restore();
  }
  const running = tfWasm.getThreadsCount();
  if (running !== threads) {
    throw new Error(`threads: asked for ${threads}; the threaded build runs ${running}`);
  }
}
