/**
 * Training kernels for the wasm backend: the ones tfjs-backend-wasm lacks and faster
 * versions of the ones it runs slowly. One kernel per file.
 *
 * @module
 */

/** Registers every kernel of this folder for the `wasm` backend; safe to call twice. */
export function registerWasmKernels(): void {
}
