/**
 * Who a process is, across hosts sharing a file system, and whether it is still alive:
 * what a run claim and a temporary file record so that another process can tell a live
 * holder from a dead one.
 *
 * On Linux a process is named by its host's boot id, its pid and its start time (a pid
 * alone is reused after the process dies). Elsewhere, and for processes of other hosts,
 * liveness is unknown here and the claim's heartbeat decides.
 *
 * @module
 */
import os from "node:os";

/** A process as other processes see it. */
export interface ProcessId {
  hostname: string;
  pid: number;
  /** Linux boot id: identifies the host instance; null where unknown. */
  bootId: string | null;
  /** Start time of the process in clock ticks since boot (Linux); null where unknown. */
  startTicks: number | null;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path).trim();
  } catch {
    return null;
  }
}

/** Field 22 of /proc/<pid>/stat; the command name (field 2) may hold spaces and parentheses. */
function startTicksOf(pid: number): number | null {
  const stat = readText(`/proc/${pid}/stat`);
  if (stat === null) return null;
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[19]);
  return Number.isFinite(ticks) ? ticks : null;
}

let self: ProcessId | undefined;

/**
 * This process.
 *
 * @example
 * ```ts
 * import { thisProcess } from "./process_id.ts";
 *
 * const me = thisProcess(); // { hostname: "node7", pid: 4242, bootId: "c2dd...", startTicks: 64122 }
 * ```
 */
export function thisProcess(): ProcessId {
  self ??= {
    hostname: safeHostname(),
    pid: Deno.pid,
    bootId: readText("/proc/sys/kernel/random/boot_id"),
    startTicks: startTicksOf(Deno.pid),
  };
  return self;
}

function safeHostname(): string {
  try {
    return os.hostname();
  } catch {
    return "unknown-host";
  }
}

/**
 * Whether `other` runs on this host instance (same boot), so its liveness can be checked.
 *
 * @example
 * ```ts
 * import { sameHost, thisProcess } from "./process_id.ts";
 *
 * sameHost(thisProcess()); // true on Linux; for a claim's holder: taken here since the last boot
 * ```
 */
export function sameHost(other: ProcessId): boolean {
  const me = thisProcess();
  return me.bootId !== null && other.bootId === me.bootId && other.hostname === me.hostname;
}

/**
 * Whether `other` is alive: true or false for a process of this host (Linux), null where
 * it cannot be known from here (another host, or no /proc).
 *
 * @example
 * ```ts
 * import { processAlive, thisProcess } from "./process_id.ts";
 *
 * processAlive(thisProcess()); // true on Linux; null where there is no /proc
 * ```
 */
export function processAlive(other: ProcessId): boolean | null {
  if (!sameHost(other)) return null;
  const ticks = startTicksOf(other.pid);
  if (ticks === null) return false;
  return other.startTicks === null || ticks === other.startTicks;
}
