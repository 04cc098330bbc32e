/**
 * oneDNN's thread count. Debian's libdnnl2 is built on OpenMP (libgomp): every primitive
 * runs `omp_get_max_threads()` threads, the calling thread included, and a team once
 * created is reused. We set that count with `omp_set_num_threads` from the OpenMP runtime
 * libdnnl itself loaded (looked up through libdnnl's handle, so it is the same library
 * instance whatever its name: libgomp, LLVM's libomp, Intel's libiomp5). Every oneDNN call
 * comes from the JavaScript thread, whose OpenMP setting this is. We do not set
 * `OMP_NUM_THREADS`: child processes would inherit it.
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

/**
 * Sets the threads oneDNN runs and returns the count in effect. Throws when the
 * library's OpenMP runtime cannot be reached or refuses the count.
 *
 * @example
 * ```ts
 * setOneDnnThreads(library, 2); // 2
 * ```
 */
export function setOneDnnThreads(library: OneDnnLibrary, threads: number): number {
  const runtime = library.version.cpuRuntime;
  if (runtime === "sequential") return 1;
  if (runtime !== "OpenMP") return navigator.hardwareConcurrency ?? threads;
  let omp;
  try {
    omp = Deno.dlopen(library.path, OMP_SYMBOLS);
  } catch (error) {
    throw new Error(
      `oneDNN: cannot reach the OpenMP runtime of ${library.path} to set ${threads} thread(s) ` +
        `(${error instanceof Error ? error.message.split("\n")[0] : error})`,
    );
  }
  try {
    omp.symbols.omp_set_num_threads(threads);
    const running = omp.symbols.omp_get_max_threads();
    if (running !== threads) {
      throw new Error(`oneDNN: asked OpenMP for ${threads} thread(s); it runs ${running}`);
    }
    return running;
  } finally {
    omp.close();
  }
}
