/**
 * Path helpers for tests.
 *
 * @module
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { REPO_ROOT } from "../lib/files.ts";

/** The file URL (as a string) of an absolute path. */
export function toFileUrl(path: string): string {
  return pathToFileURL(path).href;
}

/**
 * A new folder under data/tmp named `<prefix><random>`: inside the repository, because
 * run identities name a trainer by its path there and module graphs follow only the
 * repository's files. The caller removes it.
 */
export async function repoScratchDir(prefix: string): Promise<string> {
  const scratch = join(REPO_ROOT, "data", "tmp");
  await Deno.mkdir(scratch, { recursive: true });
  return Deno.makeTempDir({ dir: scratch, prefix });
}
