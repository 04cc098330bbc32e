/**
 * oneDNN's thread count. Debian's libdnnl2 is built on OpenMP (libgomp): a primitive runs
 * `omp_get_max_threads()` threads, the calling thread included (some fix the count when
 * they are created), and a team once created is reused. We set that count with
 * `omp_set_num_threads` from the OpenMP runtime libdnnl itself loaded (looked up through
 * libdnnl's handle, so it is the same library instance whatever its name: libgomp,
 * LLVM's libomp, Intel's libiomp5). Every oneDNN call comes from the JavaScript thread,
 * whose OpenMP setting this is. We do not set `OMP_NUM_THREADS`: child processes would
 * inherit it.
 *
 * Small primitives run on one thread whatever the setting ({@linkcode threadsFor}): waking
 * a second thread costs more than it saves below a megabyte of data, and on a busy
 * machine a thread that is not scheduled stalls every parallel region it is part of
 * (mnist_resnet_bn, ~700 primitives a step: 2 threads were 3x slower than 1 under load).
 * The choice is made per primitive when it is created and kept, so a run's arithmetic
 * depends on the shapes and the thread count only.
 *
 * OpenMP's idle threads spin before they sleep (libgomp: ~300,000 spins); on a machine
 * whose cores are shared that spinning steals the core the other thread needs, which made
 * 2-thread steps 10-20x slower under load. Unless the user set `OMP_WAIT_POLICY`, we set
 * it to PASSIVE for the moment libdnnl (and so libgomp, which reads it once) loads.
 *
 * A sequential build always runs one thread; TBB and threadpool builds keep their own
 * pools, which nnlab does not size (the count reported is then the machine's).
 *
 * @module
 */
import type { OneDnnLibrary } from "./library.ts";

const OMP_SYMBOLS = {
  omp_set_num_threads: { parameters: ["i32"], result: "void" },
  omp_get_max_threads: { parameters: [], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** Bytes of a primitive's largest operand below which it runs on one thread. */
export const SINGLE_THREAD_BYTES = 1 << 20;

let omp: Deno.DynamicLibrary<typeof OMP_SYMBOLS>["symbols"] | undefined;
let maxThreads = 1;
let current = 1;

/**
 * Runs `open` (which loads libdnnl) with `OMP_WAIT_POLICY=PASSIVE` unless the user chose
 * a policy, and leaves the environment as it was (libgomp has read it by then).
 *
 * @example
 * ```ts
 * import { startOneDnn } from "./runtime.ts";
 * const runtime = withPassiveWaiting(() => startOneDnn());
 * ```
 */
export function withPassiveWaiting<T>(open: () => T): T {
  if (Deno.env.get("OMP_WAIT_POLICY") !== undefined) return open();
  Deno.env.set("OMP_WAIT_POLICY", "PASSIVE");
  try {
    return open();
  } finally {
    Deno.env.delete("OMP_WAIT_POLICY");
  }
}

/**
 * Sets the threads oneDNN may use and returns the count in effect. Throws when the
 * library's OpenMP runtime cannot be reached or refuses the count.
 *
 * @example
 * ```ts
 * import { startOneDnn } from "./runtime.ts";
 * setOneDnnThreads(startOneDnn().library, 2); // 2
 * ```
 */
export function setOneDnnThreads(library: OneDnnLibrary, threads: number): number {
  const runtime = library.version.cpuRuntime;
  if (runtime === "sequential") return 1;
  if (runtime !== "OpenMP") return navigator.hardwareConcurrency ?? threads;
  try {
    omp = Deno.dlopen(library.path, OMP_SYMBOLS).symbols;
  } catch (error) {
    throw new Error(
      `oneDNN: cannot reach the OpenMP runtime of ${library.path} to set ${threads} thread(s) ` +
        `(${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  omp.omp_set_num_threads(threads);
  const running = omp.omp_get_max_threads();
  if (running !== threads) {
    throw new Error(`oneDNN: asked OpenMP for ${threads} thread(s); it runs ${running}`);
  }
  maxThreads = current = running;
  return running;
}

/**
 * The threads a primitive whose largest operand has `bytes` bytes runs on: one below
 * {@linkcode SINGLE_THREAD_BYTES}, else all that were set.
 *
 * @example
 * ```ts
 * threadsFor(4096); // 1
 * ```
 */
export function threadsFor(bytes: number): number {
  return bytes < SINGLE_THREAD_BYTES ? 1 : maxThreads;
}

/**
 * Makes the next oneDNN calls run `threads` threads (an OpenMP call only when that
 * changes the setting).
 *
 * @example
 * ```ts
 * useThreads(threadsFor(64 << 20)); // a 64 MB operand: every thread set
 * ```
 */
export function useThreads(threads: number): void {
  if (threads === current || omp === undefined) return;
  omp.omp_set_num_threads(threads);
  current = threads;
}
