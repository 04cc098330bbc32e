/**
 * Shared set-up for the tests: one backend per test process, chosen like the scripts do
 * (NNLAB_BACKEND, else the best that loads).
 *
 * @module
 */
import type { BackendInfo } from "../lib/backend/info.ts";
import { initBackend } from "../lib/backend/init.ts";

/** Starts the backend the tests run on. */
export function useTestBackend(): Promise<BackendInfo> {
  return initBackend();
}
