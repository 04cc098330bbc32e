/**
 * Watching the GPU device for loss (driver reset, GPU removed, out of memory at the
 * driver level, the device destroyed). A lost device fails every later submission
 * silently or with an unrelated error; the Solver asks {@linkcode assertDeviceAlive} at
 * each readback so the run fails with the reason instead.
 *
 * @module
 */

let lostMessage: string | undefined;
let errorMessage: string | undefined;

/**
 * Starts watching `device`: records the reason when it is lost and the first
 * uncaptured validation or out-of-memory error.
 *
 * @example
 * ```ts
 * const adapter = await navigator.gpu.requestAdapter();
 * if (adapter) watchDevice(await adapter.requestDevice());
 * ```
 */
export function watchDevice(device: GPUDevice): void {
  lostMessage = undefined;
  errorMessage = undefined;
  device.lost.then((info) => {
    lostMessage = `the GPU device was lost (${info.reason}): ${info.message || "no message"}`;
  });
  device.addEventListener("uncapturederror", (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    errorMessage ??= `the GPU reported an error: ${error.message.split("\n")[0]}`;
  });
}

/**
 * Why the watched device cannot be trusted any more, or undefined while it is fine.
 *
 * @example
 * ```ts
 * const problem = webgpuDeviceProblem(); // undefined on a healthy device
 * ```
 */
export function webgpuDeviceProblem(): string | undefined {
  return lostMessage ?? errorMessage;
}

/**
 * Throws an Error naming the run and the problem when the watched device was lost or
 * reported an error; does nothing otherwise (and on backends that are not webgpu).
 *
 * @example
 * ```ts
 * assertDeviceAlive("adam lr=1e-3");
 * ```
 */
export function assertDeviceAlive(run: string): void {
  const problem = webgpuDeviceProblem();
  if (problem !== undefined) throw new Error(`run "${run}": ${problem}`);
}
