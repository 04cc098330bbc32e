/**
 * Checks a stored run record against its whole schema before anything reads it: a
 * record with a missing or mistyped field is reported (file, field, what was found) and
 * recomputed, never served to a figure that would crash on it.
 *
 * @module
 */
import { RUN_FORMAT, type RunRecord } from "./record.ts";

/** A check of one value; returns what is wrong, or null. */
type Check = (value: unknown, path: string) => string | null;

const typeName = (value: unknown) =>
  value === null ? "null" : Array.isArray(value) ? "an array" : typeof value;

const string: Check = (v, p) => typeof v === "string" ? null : `${p}: ${typeName(v)}, not a string`;
const boolean: Check = (v, p) =>
  typeof v === "boolean" ? null : `${p}: ${typeName(v)}, not a boolean`;
const finite: Check = (v, p) =>
  typeof v === "number" && Number.isFinite(v) ? null : `${p}: ${typeName(v)}, not a finite number`;
const integer: Check = (v, p) =>
  Number.isInteger(v) ? null : `${p}: ${JSON.stringify(v)}, not an integer`;

const nullable = (check: Check): Check => (v, p) => v === null ? null : check(v, p);
const optional = (check: Check): Check => (v, p) => v === undefined ? null : check(v, p);
const literal = (...values: unknown[]): Check => (v, p) =>
  values.includes(v) ? null : `${p}: ${JSON.stringify(v)}, not one of ${values.join(", ")}`;

const arrayOf = (check: Check): Check => (v, p) => {
  if (!Array.isArray(v)) return `${p}: ${typeName(v)}, not an array`;
  for (let i = 0; i < v.length; i++) {
    const problem = check(v[i], `${p}[${i}]`);
    if (problem) return problem;
  }
  return null;
};

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === "object" && !Array.isArray(v);

const recordOf = (check: Check): Check => (v, p) => {
  if (!isObject(v)) return `${p}: ${typeName(v)}, not an object`;
  for (const [key, member] of Object.entries(v)) {
    const problem = check(member, `${p}.${key}`);
    if (problem) return problem;
  }
  return null;
};

const object = (fields: Record<string, Check>): Check => (v, p) => {
  if (!isObject(v)) return `${p}: ${typeName(v)}, not an object`;
  for (const [key, check] of Object.entries(fields)) {
    const problem = check(v[key], `${p}.${key}`);
    if (problem) return problem;
  }
  return null;
};

const anyObject: Check = (v, p) => isObject(v) ? null : `${p}: ${typeName(v)}, not an object`;

const stepTimings = object({
  dataMs: finite,
  forwardMs: finite,
  backwardMs: finite,
  updateMs: finite,
  computeMs: optional(finite),
});

const epochRow = object({
  epoch: integer,
  trainLoss: nullable(finite),
  trainAcc: finite,
  valAcc: nullable(finite),
  valLoss: nullable(finite),
  testAcc: nullable(finite),
  testLoss: nullable(finite),
});

const extras = object({
  epochs: arrayOf(epochRow),
  shapes: arrayOf((v, p) =>
    Array.isArray(v) && v.length === 2
      ? string(v[0], `${p}[0]`) ?? arrayOf(integer)(v[1], `${p}[1]`)
      : `${p}: not a [name, shape] pair`
  ),
  evaluatedOn: optional(literal("val", "test")),
  confusion: optional(arrayOf(arrayOf(integer))),
  misclassified: optional(arrayOf(object({
    index: integer,
    trueLabel: integer,
    predictedLabel: integer,
    pixels: arrayOf(integer),
    shape: arrayOf(integer),
  }))),
});

const RECORD_FIELDS: Record<keyof RunRecord, Check> = {
  format: literal(RUN_FORMAT),
  key: string,
  study: string,
  name: string,
  config: anyObject,
  identity: object({
    trainer: string,
    modules: arrayOf(string),
    code: object({ digest: string, files: recordOf(string) }),
    backend: object({
      name: string,
      library: string,
      kernels: nullable(string),
      threads: optional(integer),
    }),
  }),
  status: literal("running", "finished", "failed", "diverged"),
  error: optional(string),
  history: object({
    lossHistory: arrayOf(finite),
    trainAccHistory: arrayOf(finite),
    valAccHistory: arrayOf(finite),
  }),
  metrics: recordOf(finite),
  timings: object({ totalMs: finite, perIteration: stepTimings, iterations: integer }),
  environment: object({
    backend: string,
    provider: string,
    threads: integer,
    simd: boolean,
    versions: recordOf(string),
    skipped: arrayOf(string),
    host: object({ cpu: string, cores: integer, os: string, deno: string }),
    git: object({ commit: nullable(string), dirty: boolean }),
  }),
  startedAt: string,
  endedAt: nullable(string),
  extra: optional(extras),
};

const RECORD = object(RECORD_FIELDS);

const sha256 = (v: unknown, p: string) =>
  typeof v === "string" && /^[0-9a-f]{64}$/.test(v)
    ? null
    : `${p}: ${JSON.stringify(v) ?? "undefined"}, not 64 lowercase hex digits`;

/** A record as stored: the record and the digest of its content. */
const STORED_RECORD = object({ ...RECORD_FIELDS, digest: sha256 });

/**
 * What is wrong with `value` as a run record, or null when it matches the schema.
 *
 * @example
 * ```ts
 * import { recordProblem } from "./validate.ts";
 *
 * recordProblem({ format: "nnlab-run/3" }); // "record.key: undefined, not a string"
 * ```
 */
export function recordProblem(value: unknown): string | null {
  return RECORD(value, "record");
}

/**
 * What is wrong with `value` as the content of a record file (a record and its `digest`),
 * or null when it matches the schema. Whether the digest is right is the store's check.
 *
 * @example
 * ```ts
 * import { storedRecordProblem } from "./validate.ts";
 *
 * const text = await Deno.readTextFile("data/runs/3f1c.json");
 * storedRecordProblem(JSON.parse(text)); // e.g. "record.digest: undefined, not 64 lowercase hex digits"
 * ```
 */
export function storedRecordProblem(value: unknown): string | null {
  return STORED_RECORD(value, "record");
}

/**
 * Narrows a parsed value to a {@linkcode RunRecord}, or throws what is wrong.
 *
 * @example
 * ```ts
 * import { asRunRecord } from "./validate.ts";
 *
 * const text = await Deno.readTextFile("data/runs/3f1c.json");
 * const record = asRunRecord(JSON.parse(text)); // or throws what is wrong, e.g. "record.key: ..."
 * ```
 */
export function asRunRecord(value: unknown): RunRecord {
  const problem = recordProblem(value);
  if (problem) throw new Error(problem);
  return value as RunRecord;
}
