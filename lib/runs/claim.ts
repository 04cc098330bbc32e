/**
 * Per-run claims: exactly one process trains a run, across processes and across hosts
 * that share the run store's file system (NFS included).
 *
 * A claim is the file `<key>.claim` next to the record. It is created by writing a
 * temporary file and hard-linking it to the claim's name: `link` fails when the name
 * exists, atomically, also on NFS (where exclusive create was long unreliable), and the
 * claim is never seen half-written. It names its holder ({@linkcode ProcessId}) and a
 * heartbeat counter that the holder bumps every {@linkcode HEARTBEAT_MS}, and a token that
 * tells this claim from any later one of the same run.
 *
 * A claim whose holder died is taken over:
 * - holder on this host: its pid is gone (or reused by a process started later);
 * - holder on another host: its heartbeat has not changed for {@linkcode STALE_AFTER_MS},
 *   measured on the observer's own clock, so clock skew between hosts does not matter.
 *
 * Every change to an existing claim happens under its lock (`<key>.claim.lock`, same link
 * technique), after a re-read: a takeover replaces the claim only if it is still the stale
 * one, so two processes never both take over; the holder refreshes its heartbeat, releases
 * the claim or stores its result only while the claim is still its own (same token), so a
 * holder wrongly judged dead never overwrites the claim or the record of the process that
 * took the run over.
 *
 * @module
 */
import { temporaryPath } from "../files.ts";
import { processAlive, type ProcessId, thisProcess } from "./process_id.ts";

/** How often a holder bumps its heartbeat, milliseconds. */
export const HEARTBEAT_MS = 5_000;
/** A claim of another host with no heartbeat for this long is abandoned, milliseconds. */
export const STALE_AFTER_MS = 30_000;
/**
 * How long a holder waits for its claim's lock to write or release, milliseconds: by then
 * a lock left by a dead process has been removed.
 */
const LOCK_WAIT_MS = STALE_AFTER_MS + HEARTBEAT_MS;
/** Time between two tries of a busy lock, milliseconds. */
const LOCK_RETRY_MS = 25;

/** The content of a claim file. */
export interface ClaimInfo {
  holder: ProcessId;
  /** The run's name, for messages. */
  run: string;
  claimedAt: string;
  /** Heartbeat counter, bumped every HEARTBEAT_MS while the holder lives. */
  beat: number;
  /** Random, one per claim: a takeover, even by the same process, gives another. */
  token?: string;
}

const encoder = new TextEncoder();

/** Creates `path` holding `text` if it does not exist; false if it does. Atomic. */
async function createExclusive(path: string, text: string): Promise<boolean> {
  const temporary = temporaryPath(path);
  await Deno.writeFile(temporary, encoder.encode(text));
  try {
    await Deno.link(temporary, path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  } finally {
    await Deno.remove(temporary).catch(() => {});
  }
}

/**
 * Reads a claim file: its content, null when there is none, or "unreadable".
 *
 * @example
 * ```ts
 * import { readClaim } from "./claim.ts";
 *
 * const info = await readClaim("data/runs/3f1c.claim"); // null: no process holds the run
 * ```
 */
export async function readClaim(path: string): Promise<ClaimInfo | null | "unreadable"> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
  try {
    const info = JSON.parse(text) as ClaimInfo;
    if (typeof info?.holder?.pid !== "number" || typeof info.beat !== "number") {
      return "unreadable";
    }
    return info;
  } catch {
    return "unreadable";
  }
}

const sameHolder = (a: ProcessId, b: ProcessId) =>
  a.pid === b.pid && a.hostname === b.hostname && a.bootId === b.bootId &&
  a.startTicks === b.startTicks;

/** Whether the claim file's content `current` is still the claim `mine`. */
const isMine = (current: ClaimInfo | null | "unreadable", mine: ClaimInfo) =>
  current !== null && current !== "unreadable" && current.token === mine.token &&
  sameHolder(current.holder, mine.holder);

/**
 * A claim held by this process: bumps its heartbeat until released, and runs the holder's
 * writes only while the claim is still its own.
 *
 * @example
 * ```ts
 * import { tryClaim } from "./claim.ts";
 *
 * declare function train(): Promise<void>; // the run's training
 * declare function storeResult(): Promise<void>; // writes the run's record
 * const claim = await tryClaim("data/runs/3f1c.claim", "adam");
 * if (claim) {
 *   try {
 *     await train();
 *     if (!(await claim.whileHeld(storeResult))) console.log("taken over; not stored");
 *   } finally {
 *     await claim.release();
 *   }
 * }
 * ```
 */
export class RunClaim {
  #info: ClaimInfo;
  #timer: number | undefined;
  #lost = false;

  constructor(readonly path: string, info: ClaimInfo, heartbeatMs: number = HEARTBEAT_MS) {
    this.#info = info;
    // Deno's timers are numbers; the cast only quiets @types/node's Timeout.
    this.#timer = setInterval(() => this.#beat(), heartbeatMs) as unknown as number;
    Deno.unrefTimer(this.#timer);
  }

  /** True once another process took the claim over (this one was thought dead). */
  get lost(): boolean {
    return this.#lost;
  }

  /**
   * Runs `write` under the claim's lock if the claim is still this process's, so no
   * takeover can come between the check and the write. Returns false, without running
   * `write`, once the claim was taken over (or removed).
   */
  async whileHeld(write: () => Promise<unknown>): Promise<boolean> {
    if (this.#lost) return false;
    const done = await underLock(this.path, LOCK_WAIT_MS, async () => {
      if (!isMine(await readClaim(this.path).catch(() => null), this.#info)) return false;
      await write();
      return true;
    });
    if (done === null) {
      throw new Error(
        `claim ${this.path}: its lock stayed busy for ${LOCK_WAIT_MS / 1000} s; ` +
          `nothing was written for run "${this.#info.run}"`,
      );
    }
    if (!done.value) this.#markLost();
    return done.value;
  }

  /** Bumps the heartbeat; skipped while a takeover holds the lock (it decides then). */
  async #beat(): Promise<void> {
    await underLock(this.path, 0, async () => {
      if (!isMine(await readClaim(this.path).catch(() => null), this.#info)) {
        this.#markLost();
        return;
      }
      const next = { ...this.#info, beat: this.#info.beat + 1 };
      const temporary = temporaryPath(this.path);
      try {
        await Deno.writeTextFile(temporary, JSON.stringify(next));
        await Deno.rename(temporary, this.path);
        this.#info = next;
      } catch {
        await Deno.remove(temporary).catch(() => {});
      }
    }).catch(() => {});
  }

  #markLost(): void {
    this.#lost = true;
    clearInterval(this.#timer);
  }

  /** Removes the claim if this process still holds it. */
  async release(): Promise<void> {
    clearInterval(this.#timer);
    if (this.#lost) return;
    await underLock(this.path, LOCK_WAIT_MS, async () => {
      if (isMine(await readClaim(this.path).catch(() => null), this.#info)) {
        await Deno.remove(this.path).catch(() => {});
      }
    }).catch(() => {});
  }
}

/**
 * Claims a run for this process; null when another process holds it.
 *
 * @example
 * ```ts
 * import { tryClaim } from "./claim.ts";
 *
 * const claim = await tryClaim("data/runs/3f1c.claim", "adam"); // null if another process has it
 * ```
 */
export async function tryClaim(
  path: string,
  run: string,
  heartbeatMs: number = HEARTBEAT_MS,
): Promise<RunClaim | null> {
  const info: ClaimInfo = {
    holder: thisProcess(),
    run,
    claimedAt: new Date().toISOString(),
    beat: 0,
    token: crypto.randomUUID(),
  };
  return await createExclusive(path, JSON.stringify(info))
    ? new RunClaim(path, info, heartbeatMs)
    : null;
}

/**
 * Watches other processes' claims and says when one is abandoned: the holder on this host
 * is dead, or the heartbeat of one on another host stood still for STALE_AFTER_MS.
 *
 * @example
 * ```ts
 * import { ClaimWatcher } from "./claim.ts";
 *
 * const watcher = new ClaimWatcher();
 * const { state } = await watcher.check("data/runs/3f1c.claim"); // "free", "held" or "abandoned"
 * ```
 */
export class ClaimWatcher {
  /** Last beat seen per claim path, and when (this process's clock). */
  readonly #seen = new Map<string, { beat: number; holderPid: number; at: number }>();

  constructor(private readonly staleAfterMs: number = STALE_AFTER_MS) {}

  /** The claim's state now. */
  async check(
    path: string,
  ): Promise<{ state: "free" } | { state: "held" | "abandoned"; info: ClaimInfo | null }> {
    const info = await readClaim(path);
    if (info === null) {
      this.#seen.delete(path);
      return { state: "free" };
    }
    const now = performance.now();
    if (info === "unreadable") {
      // Claims are written whole (link of a complete file), so this is damage, not a
      // write in progress: abandoned once it has stayed so for the stale limit.
      const last = this.#seen.get(path);
      if (!last || last.holderPid !== -1) {
        this.#seen.set(path, { beat: -1, holderPid: -1, at: now });
        return { state: "held", info: null };
      }
      return { state: now - last.at > this.staleAfterMs ? "abandoned" : "held", info: null };
    }
    const alive = processAlive(info.holder);
    if (alive === false) return { state: "abandoned", info };
    const last = this.#seen.get(path);
    if (!last || last.beat !== info.beat || last.holderPid !== info.holder.pid) {
      this.#seen.set(path, { beat: info.beat, holderPid: info.holder.pid, at: now });
      return { state: "held", info };
    }
    if (alive === true) return { state: "held", info };
    return { state: now - last.at > this.staleAfterMs ? "abandoned" : "held", info };
  }
}

/**
 * Takes over an abandoned claim: under the claim's lock, replaces the claim only if it
 * still is the one judged abandoned. Null when another process got there first.
 *
 * @example
 * ```ts
 * import { ClaimWatcher, takeOver } from "./claim.ts";
 *
 * const path = "data/runs/3f1c.claim";
 * const seen = await new ClaimWatcher().check(path);
 * if (seen.state === "abandoned") {
 *   const claim = await takeOver(path, "adam", seen.info); // null if another process was first
 * }
 * ```
 */
export async function takeOver(
  path: string,
  run: string,
  abandoned: ClaimInfo | null,
): Promise<RunClaim | null> {
  const taken = await underLock(path, 0, async () => {
    const current = await readClaim(path);
    const unchanged = current === "unreadable"
      ? abandoned === null
      : current !== null && abandoned !== null && sameHolder(current.holder, abandoned.holder) &&
        current.beat === abandoned.beat;
    if (current !== null && !unchanged) return null;
    await Deno.remove(path).catch(() => {});
    return await tryClaim(path, run);
  });
  return taken?.value ?? null;
}

/**
 * Runs `action` holding the lock of the claim at `path` (`<path>.lock`); null when the
 * lock stayed busy for `waitMs` (0: one try). A lock left by a dead process is removed.
 */
async function underLock<T>(
  path: string,
  waitMs: number,
  action: () => Promise<T>,
): Promise<{ value: T } | null> {
  const lockPath = `${path}.lock`;
  const deadline = performance.now() + waitMs;
  for (;;) {
    if (await createExclusive(lockPath, JSON.stringify(thisProcess()))) {
      try {
        return { value: await action() };
      } finally {
        await Deno.remove(lockPath).catch(() => {});
      }
    }
    await removeStaleLock(lockPath);
    if (performance.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
  }
}

/**
 * Removes a lock left by a process that died holding it (milliseconds long at most): at
 * once when its holder ran on this host and is gone, else after STALE_AFTER_MS.
 */
async function removeStaleLock(lockPath: string): Promise<void> {
  try {
    const { mtime } = await Deno.stat(lockPath);
    const old = mtime !== null && Date.now() - mtime.getTime() > STALE_AFTER_MS;
    if (old || lockHolderDead(await Deno.readTextFile(lockPath))) await Deno.remove(lockPath);
  } catch {
    // gone already
  }
}

/** Whether a lock's content names a process of this host that is gone. */
function lockHolderDead(text: string): boolean {
  try {
    const holder = JSON.parse(text) as ProcessId;
    return typeof holder?.pid === "number" && processAlive(holder) === false;
  } catch {
    return false;
  }
}
