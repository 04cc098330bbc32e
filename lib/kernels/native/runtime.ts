/**
 * The process's oneDNN runtime: the opened library, one CPU engine and one in-order
 * stream, created once by {@linkcode startOneDnn} and shared by every kernel, plus the
 * status check every call goes through.
 *
 * @module
 */
import { ENUM, STATUS } from "./abi.ts";
import { type OneDnnLibrary, openOneDnn } from "./library.ts";
import type { OneDnnSymbols } from "./symbols.ts";

/** The running oneDNN: library, engine, stream. */
export interface OneDnnRuntime {
  library: OneDnnLibrary;
  symbols: OneDnnSymbols;
  engine: Deno.PointerObject;
  stream: Deno.PointerObject;
}

let runtime: OneDnnRuntime | undefined;

/**
 * Throws when a oneDNN call failed, naming the call and the status.
 *
 * @example
 * ```ts
 * const { symbols, stream } = startOneDnn();
 * check(symbols.dnnl_stream_wait(stream), "dnnl_stream_wait");
 * ```
 */
export function check(status: number, call: string): void {
  if (status !== 0) {
    throw new Error(`oneDNN: ${call} failed with status ${STATUS[status] ?? status}`);
  }
}

/**
 * Calls a oneDNN function that returns a handle through its first argument (`T **out`)
 * and returns the handle.
 *
 * @example
 * ```ts
 * const { symbols } = startOneDnn();
 * const attr = outHandle((out) => symbols.dnnl_primitive_attr_create(out), "attr_create");
 * ```
 */
export function outHandle(call: (out: BigUint64Array) => number, what: string): Deno.PointerObject {
  const out = new BigUint64Array(1);
  check(call(out), what);
  const pointer = Deno.UnsafePointer.create(out[0]);
  if (pointer === null) throw new Error(`oneDNN: ${what} returned a NULL handle`);
  return pointer;
}

/**
 * Opens libdnnl and creates the engine and stream, once per process; later calls return
 * the same runtime. Throws (see {@linkcode openOneDnn}) when the library does not load.
 *
 * @example
 * ```ts
 * const { symbols, engine, stream } = startOneDnn();
 * ```
 */
export function startOneDnn(): OneDnnRuntime {
  if (runtime) return runtime;
  const library = openOneDnn();
  const { symbols } = library;
  const engine = outHandle(
    (out) => symbols.dnnl_engine_create(out, ENUM.engineCpu, 0n),
    "dnnl_engine_create",
  );
  const stream = outHandle(
    (out) => symbols.dnnl_stream_create(out, engine, ENUM.streamDefaultFlags),
    "dnnl_stream_create",
  );
  runtime = { library, symbols, engine, stream };
  return runtime;
}

/**
 * The runtime {@linkcode startOneDnn} created; throws when it has not run.
 *
 * @example
 * ```ts
 * const { symbols } = oneDnn();
 * ```
 */
export function oneDnn(): OneDnnRuntime {
  if (!runtime) throw new Error("oneDNN: not started (call startOneDnn first)");
  return runtime;
}
