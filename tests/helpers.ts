/**
 * Shared set-up for the tests: one backend per test process, chosen like the scripts do
 * (NNLAB_BACKEND, else the best that loads).
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/info.ts";
import { initBackend } from "../lib/backend/init.ts";

/**
 * Starts the backend the tests run on, with one thread: results then do not depend on
 * the machine's core count, and on a busy 2-core machine threads that wait for each other
 * (OpenMP in the native backend) make small steps many times slower, not faster.
 * tests/threads_test.ts and tests/kernels_native_determinism_test.ts run thread counts
 * of their own in subprocesses.
 */
export function useTestBackend(): Promise<BackendInfo> {
  return initBackend({ threads: 1 });
}
