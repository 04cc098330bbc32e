/**
 * The run store: one JSON record per training run, `data/runs/<key>.json` (or
 * `$NNLAB_RUNS_DIR`), shared by every process and host that sees the folder.
 *
 * - Reads validate: a record is served only when it parses, matches the whole schema
 *   (validate.ts), the key recomputed from its own config and identity equals its file
 *   name, and the digest written with it matches its whole content (metrics, status,
 *   histories: any field); anything else is reported in one line and recomputed, never
 *   trusted.
 * - Writes are atomic (temporary file, then rename), and a record holding a result
 *   (finished or diverged) is never replaced by an unfinished one.
 * - Who trains a run is decided by per-run claims (claim.ts); a running record whose
 *   claim is held by a live process is reported as running, not as torn.
 * - Temporary files of processes that died between write and rename are removed.
 *
 * @module
 */
import { join, relative } from "node:path";
import { REPO_ROOT, temporaryWriter, writeFileAtomic } from "../files.ts";
import { ClaimWatcher, type RunClaim, takeOver, tryClaim } from "./claim.ts";
import { canonicalJson, runKey } from "./identity.ts";
import { processAlive, thisProcess } from "./process_id.ts";
import { RESULT_STATUSES, RUN_FORMAT, type RunRecord } from "./record.ts";
import { sha256Hex } from "./source_graph.ts";
import { storedRecordProblem } from "./validate.ts";

/** Default location of the run store: `$NNLAB_RUNS_DIR`, else data/runs in the repo. */
export const RUNS_DIR: string = Deno.env.get("NNLAB_RUNS_DIR") ||
  join(REPO_ROOT, "data", "runs");

/** Why a stored record was not used. */
export type StoreMiss =
  | "absent"
  | "torn"
  | "invalid"
  | "foreign"
  | "older-format"
  | "running"
  | "failed";

/** The outcome of a look-up: the record, or why there is none usable. */
export type StoreLookup =
  | { hit: true; record: RunRecord }
  | { hit: false; reason: StoreMiss; detail?: string; record?: RunRecord };

/** Temporary files of other hosts are removed after this long, milliseconds. */
const FOREIGN_TEMPORARY_MS = 24 * 3600_000;

/**
 * Reads and writes run records in one folder.
 *
 * @example
 * ```ts
 * import { RunStore } from "./store.ts";
 *
 * declare const key: string; // a run's key, from planRuns
 * const store = new RunStore(); // under data/runs
 * const found = await store.get(key);
 * if (found.hit) console.log(found.record.metrics);
 * ```
 */
export class RunStore {
  readonly watcher: ClaimWatcher = new ClaimWatcher();

  constructor(readonly dir: string = RUNS_DIR) {}

  /** Path of the record for `key`. */
  pathOf(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new Error(`run key: got ${JSON.stringify(key)}; expected 64 lowercase hex digits`);
    }
    return join(this.dir, `${key}.json`);
  }

  /** Path of the claim for `key`. */
  claimPathOf(key: string): string {
    return `${this.pathOf(key).slice(0, -".json".length)}.claim`;
  }

  /**
   * Looks a record up. Finished and diverged runs are hits (divergence is a result);
   * everything else is a miss with its reason.
   */
  async get(key: string): Promise<StoreLookup> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return { hit: false, reason: "absent" };
      throw error;
    }
    return await this.#parse(key, text);
  }

  async #parse(key: string, text: string): Promise<StoreLookup> {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      return { hit: false, reason: "torn", detail: (error as Error).message };
    }
    const format = (value as { format?: unknown } | null)?.format;
    if (typeof format === "string" && format.startsWith("nnlab-run/") && format !== RUN_FORMAT) {
      return { hit: false, reason: "older-format", detail: `format ${format}` };
    }
    const problem = storedRecordProblem(value);
    if (problem) return { hit: false, reason: "invalid", detail: problem };
    const { digest, ...record } = value as RunRecord & { digest: string };
    if (record.key !== key) {
      return { hit: false, reason: "foreign", detail: `the file holds key ${record.key}` };
    }
    let recomputed: string;
    try {
      recomputed = await runKey(record.config, record.identity);
    } catch (error) {
      return { hit: false, reason: "invalid", detail: (error as Error).message };
    }
    if (recomputed !== key) {
      return {
        hit: false,
        reason: "foreign",
        detail: "its config or identity does not give its key (edited after it was written?)",
      };
    }
    if (await contentDigest(record) !== digest) {
      return {
        hit: false,
        reason: "invalid",
        detail: "its content does not match its digest; edited or damaged since it was written",
      };
    }
    if (record.status === "running") return { hit: false, reason: "running", record };
    if (record.status === "failed") {
      return { hit: false, reason: "failed", detail: record.error?.split("\n")[0], record };
    }
    return { hit: true, record };
  }

  /**
   * Writes a record atomically, with the digest of its content: a reader sees the old
   * file or the new one, never half. An unfinished record (running, failed) never
   * replaces a result; returns false then.
   */
  async put(record: RunRecord): Promise<boolean> {
    const path = this.pathOf(record.key);
    if (!RESULT_STATUSES.includes(record.status)) {
      const existing = await this.get(record.key);
      if (existing.hit) return false;
    }
    // Digest what a reader will parse (JSON drops undefined members), not the object; a
    // record read raw from a file brings its old digest, which is no part of the content.
    const { digest: _, ...content } = JSON.parse(JSON.stringify(record)) as RunRecord & {
      digest?: string;
    };
    const digest = await contentDigest(content);
    await writeFileAtomic(path, JSON.stringify({ ...content, digest }));
    return true;
  }

  /**
   * Claims `key` for this process: a claim when it is free or abandoned (its holder died),
   * null while another live process holds it.
   */
  async claim(key: string, run: string): Promise<RunClaim | null> {
    await Deno.mkdir(this.dir, { recursive: true });
    const path = this.claimPathOf(key);
    const claim = await tryClaim(path, run);
    if (claim) return claim;
    const seen = await this.watcher.check(path);
    if (seen.state === "free") return await tryClaim(path, run);
    if (seen.state === "abandoned") return await takeOver(path, run, seen.info);
    return null;
  }

  /** Who holds the claim of `key`, for messages: "pid 4242 on node7", or null when free. */
  async claimHolder(key: string): Promise<string | null> {
    const seen = await this.watcher.check(this.claimPathOf(key));
    if (seen.state === "free") return null;
    if (!seen.info) return "an unknown process";
    const { pid, hostname } = seen.info.holder;
    return hostname === thisProcess().hostname ? `pid ${pid}` : `pid ${pid} on ${hostname}`;
  }

  /** Every record holding a result (finished or diverged), validated, in file-name order. */
  async list(): Promise<RunRecord[]> {
    const records: RunRecord[] = [];
    for (const name of await this.#names()) {
      if (!/^[0-9a-f]{64}\.json$/.test(name)) continue;
      const text = await Deno.readTextFile(join(this.dir, name)).catch(() => null);
      if (text === null) continue;
      const found = await this.#parse(name.slice(0, -5), text);
      if (found.hit) records.push(found.record);
    }
    return records;
  }

  /**
   * Records of older formats for a study and run name: the runs a format change
   * recomputes once. Read without validation (their schema is the old one).
   */
  async olderFormat(): Promise<{ study: string; name: string }[]> {
    const found: { study: string; name: string }[] = [];
    for (const name of await this.#names()) {
      if (!name.endsWith(".json")) continue;
      try {
        const value = JSON.parse(await Deno.readTextFile(join(this.dir, name)));
        if (typeof value?.format === "string" && value.format !== RUN_FORMAT) {
          found.push({ study: value.study ?? value.experiment, name: value.name });
        }
      } catch {
        // torn or foreign: reported when its key is looked up
      }
    }
    return found;
  }

  /**
   * Removes temporary files whose writer is dead: of this host when the pid is gone, of
   * other hosts after a day. Returns how many were removed.
   */
  async removeDeadTemporaries(): Promise<number> {
    let removed = 0;
    const me = thisProcess();
    for (const name of await this.#names()) {
      const writer = temporaryWriter(name);
      if (!writer) continue;
      const path = join(this.dir, name);
      let dead = false;
      if (writer.hostname === me.hostname) {
        dead = processAlive({ ...me, pid: writer.pid, startTicks: null }) === false;
      } else {
        const mtime = (await Deno.stat(path).catch(() => null))?.mtime;
        dead = mtime !== null && mtime !== undefined &&
          Date.now() - mtime.getTime() > FOREIGN_TEMPORARY_MS;
      }
      if (dead) {
        await Deno.remove(path).then(() => removed++, () => {});
      }
    }
    return removed;
  }

  async #names(): Promise<string[]> {
    const names: string[] = [];
    try {
      for await (const entry of Deno.readDir(this.dir)) if (entry.isFile) names.push(entry.name);
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return names.sort();
  }
}

/**
 * SHA-256 of a record's canonical JSON: every field, so an edit of any of them (metrics,
 * status, a history) shows.
 */
function contentDigest(record: RunRecord): Promise<string> {
  return sha256Hex(canonicalJson(record));
}

/**
 * One line saying why a stored record is recomputed; null for a plain absence or a run
 * that another process is training.
 *
 * @example
 * ```ts
 * import { describeMiss } from "./store.ts";
 *
 * const lookup = { hit: false, reason: "invalid", detail: "record.metrics: missing" } as const;
 * describeMiss(lookup, "data/runs/3f1c.json");
 * // "store: data/runs/3f1c.json is invalid (record.metrics: missing); recomputing"
 * ```
 */
export function describeMiss(lookup: StoreLookup, path: string): string | null {
  if (lookup.hit || lookup.reason === "absent" || lookup.reason === "running") return null;
  const where = relative(Deno.cwd(), path) || path;
  const detail = lookup.detail ? ` (${lookup.detail})` : "";
  return `store: ${where} is ${lookup.reason}${detail}; recomputing`;
}
