/**
 * A finished run record for the tests of pages, figures and the store: fixed defaults (a
 * cpu identity, a two-iteration history, empty metrics and environment) under the fields
 * a test sets.
 *
 * @module
 */
import { RUN_FORMAT, type RunRecord } from "../lib/runs/record.ts";

/**
 * A record of run `name` (key `key-<name>`), with `fields` over the defaults.
 *
 * @example
 * ```ts
 * const record = fakeRecord("adam", { metrics: { bestValAcc: 0.5 } });
 * ```
 */
export function fakeRecord(name: string, fields: Partial<RunRecord> = {}): RunRecord {
  return {
    format: RUN_FORMAT,
    key: `key-${name}`,
    study: "test",
    name,
    config: {},
    identity: {
      trainer: "lib/train/classifier.ts",
      modules: [],
      code: { digest: "digest", files: {} },
      backend: { name: "cpu", library: "@tensorflow/tfjs-backend-cpu@4.22.0", kernels: null },
    },
    status: "finished",
    history: { lossHistory: [2.3, 2.1], trainAccHistory: [0.1, 0.3], valAccHistory: [0.1, 0.2] },
    metrics: {},
    timings: {
      totalMs: 1000,
      perIteration: { dataMs: 1, forwardMs: 2, backwardMs: 3, updateMs: 1 },
      iterations: 2,
    },
    environment: {} as RunRecord["environment"],
    startedAt: "2025-01-01T00:00:00.000Z",
    endedAt: "2025-01-01T00:00:01.000Z",
    ...fields,
  };
}
