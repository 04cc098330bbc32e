/**
 * The run store: one JSON record per training run under `data/runs/<key>.json`.
 *
 * A run's key is the SHA-256 of the canonical JSON of its config, the trainer module it
 * runs, and a digest of that module's source graph inside the repo: editing a
 * hyper-parameter changes one key; editing lib/optim.ts changes the key of every run whose
 * trainer imports it, and nothing else. Writes are atomic (temporary file, then rename);
 * a torn, foreign or older-format record is reported in one line and recomputed.
 *
 * @module
 */
import { join, relative } from "node:path";
import { REPO_ROOT } from "../files.ts";
import { sha256Hex } from "./source_graph.ts";
import { RUN_FORMAT, type RunRecord } from "./record.ts";
import { writeFileAtomic } from "../files.ts";

/** Default location of the run store: `$NNLAB_RUNS_DIR`, else data/runs in the repo. */
export const RUNS_DIR: string = Deno.env.get("NNLAB_RUNS_DIR") ||
  join(REPO_ROOT, "data", "runs");

/**
 * JSON with object keys sorted at every level, `undefined` members dropped: the same
 * config always gives the same text.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [2, { d: 3, c: 4 }] }); // '{"a":[2,{"c":4,"d":3}],"b":1}'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const member = (value as Record<string, unknown>)[key];
      if (member !== undefined) out[key] = sortKeys(member);
    }
    return out;
  }
  if (typeof value === "number" && !Number.isFinite(value)) {
    throw new Error(`config: got ${value}; expected finite numbers only (JSON has no ${value})`);
  }
  return value;
}

/**
 * The cache key of a run.
 *
 * @param trainer path of the trainer module, relative to the repo root
 * @param sourceDigest digest of the trainer's module graph (see module_graph.ts)
 * @example
 * ```ts
 * const key = await runKey({ learningRate: 1e-3 }, "lib/trainers/fc.ts", digest);
 * ```
 */
export function runKey(
  config: Record<string, unknown>,
  trainer: string,
  sourceDigest: string,
): Promise<string> {
  return sha256Hex(canonicalJson({ config, trainer, sourceDigest }));
}

/** Why a stored record was not used. */
export type CacheMiss = "absent" | "torn" | "foreign" | "stale-format" | "unfinished";

/** The outcome of a look-up: the record, or why there is none usable. */
export type CacheLookup =
  | { hit: true; record: RunRecord }
  | { hit: false; reason: CacheMiss; detail?: string };

/**
 * Reads and writes run records in one folder.
 *
 * @example
 * ```ts
 * const cache = new RunCache();
 * const found = await cache.get(key);
 * if (!found.hit) await cache.put(await train());
 * ```
 */
export class RunCache {
  constructor(readonly dir: string = RUNS_DIR) {}

  /** Path of the record for `key`. */
  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new Error(`run key: got ${JSON.stringify(key)}; expected 64 lowercase hex digits`);
    }
    return join(this.dir, `${key}.json`);
  }

  /**
   * Looks a record up. Finished and diverged runs are hits (divergence is a result);
   * running (a crash mid-run) and failed runs are misses, as are unreadable records.
   */
  async get(key: string): Promise<CacheLookup> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { hit: false, reason: "absent" };
      throw error;
    }
    let record: RunRecord;
    try {
      record = JSON.parse(text);
    } catch (error) {
      return { hit: false, reason: "torn", detail: (error as Error).message };
    }
    if (record === null || typeof record !== "object" || !("format" in record)) {
      return { hit: false, reason: "foreign", detail: "not a run record" };
    }
    if (record.format !== RUN_FORMAT) {
      return { hit: false, reason: "stale-format", detail: `format ${record.format}` };
    }
    if (record.key !== key) {
      return { hit: false, reason: "foreign", detail: `record holds key ${record.key}` };
    }
    if (record.status !== "finished" && record.status !== "diverged") {
      return { hit: false, reason: "unfinished", detail: `status ${record.status}` };
    }
    return { hit: true, record };
  }

  /** Writes a record atomically: a reader sees the old file or the new one, never half. */
  async put(record: RunRecord): Promise<string> {
    const path = this.pathOf(record.key);
    await writeFileAtomic(path, JSON.stringify(record));
    return path;
  }

  /** Every readable record in the store (for listings and tests). */
  async list(): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) {
        if (!entry.isFile || !entry.name.endsWith(".json")) continue;
        const found = await this.get(entry.name.slice(0, -5)).catch(() => undefined);
        if (found?.hit) records.push(found.record);
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return records;
  }
}

/** One line saying why a record is recomputed; nothing for a plain absence. */
export function describeMiss(lookup: CacheLookup, path: string): string | null {
  if (lookup.hit || lookup.reason === "absent") return null;
  const where = relative(Deno.cwd(), path);
  const detail = lookup.detail ? ` (${lookup.detail})` : "";
  return `cache: ${where} is ${lookup.reason}${detail}; recomputing`;
}
