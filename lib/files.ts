/**
 * Where the workspace is, and atomic file writes: the run store and the figure pages are
 * written through a temporary file in the same folder and a rename, so a crash or Ctrl-C
 * leaves the old file or the new one, never a torn one.
 *
 * @module
 */
import os from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the folder holding deno.json, one level above lib/. */
export const REPO_ROOT: string = resolve(fileURLToPath(new URL("..", import.meta.url)));

/**
 * The temporary name a write to `path` goes through: hidden, in the same folder (so the
 * rename is atomic), and naming the writing process (`<pid>@<host>`) so that a later
 * process can remove it once that process is dead.
 *
 * @example
 * ```ts
 * import { temporaryPath } from "./files.ts";
 *
 * temporaryPath("data/runs/abc.json"); // e.g. "data/runs/.abc.json.1a2b3c4d.4242@node7.tmp"
 * ```
 */
export function temporaryPath(path: string): string {
  let host = "host";
  try {
    host = os.hostname();
  } catch {
    // no permission to read the host name: the pid alone still names the writer here
  }
  return join(
    dirname(path),
    `.${basename(path)}.${crypto.randomUUID().slice(0, 8)}.${Deno.pid}@${host}.tmp`,
  );
}

/**
 * The writer of a temporary file made by {@linkcode temporaryPath} (or a claim), or null
 * when the name is not one.
 *
 * @example
 * ```ts
 * import { temporaryWriter } from "./files.ts";
 *
 * temporaryWriter(".abc.json.1a2b3c4d.4242@node7.tmp"); // { pid: 4242, hostname: "node7" }
 * ```
 */
export function temporaryWriter(name: string): { pid: number; hostname: string } | null {
  const match = name.match(/^\..+\.[0-9a-f]{8}\.(\d+)@(.+)\.tmp$/);
  return match ? { pid: Number(match[1]), hostname: match[2] } : null;
}

/**
 * Writes `data` to `path` atomically, creating the folder if needed.
 *
 * @example
 * ```ts
 * import { writeFileAtomic } from "./files.ts";
 *
 * const dataDir = await Deno.makeTempDir(); // "data" in a study
 * await writeFileAtomic(`${dataDir}/runs/abc.json`, JSON.stringify({ loss: 2.3 }));
 * await Deno.readTextFile(`${dataDir}/runs/abc.json`); // '{"loss":2.3}'
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = temporaryPath(path);
  try {
    if (typeof data === "string") await Deno.writeTextFile(temporary, data);
    else await Deno.writeFile(temporary, data);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
