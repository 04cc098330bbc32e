/**
 * Where the workspace is, and atomic file writes: the run store and the figure pages are
 * written through a temporary file in the same folder and a rename, so a crash or Ctrl-C
 * leaves the old file or the new one, never a torn one.
 *
 * @module
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root: the folder holding deno.json, one level above lib/. */
export const REPO_ROOT: string = resolve(fileURLToPath(new URL("..", import.meta.url)));

/**
 * Writes `data` to `path` atomically, creating the folder if needed.
 *
 * @example
 * ```ts
 * await writeFileAtomic("data/runs/abc.json", JSON.stringify(record));
 * ```
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  await Deno.mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${Deno.pid}.${crypto.randomUUID().slice(0, 8)}.tmp`;
  try {
    if (typeof data === "string") await Deno.writeTextFile(temporary, data);
    else await Deno.writeFile(temporary, data);
    await Deno.rename(temporary, path);
  } catch (error) {
    await Deno.remove(temporary).catch(() => {});
    throw error;
  }
}
