/**
 * Which source files a module executes, and a digest of them: what makes a cached run
 * stale when code changes.
 *
 * @module
 */
import { relative } from "node:path";
import { REPO_ROOT } from "../files.ts";
import { fileURLToPath as fromFileUrl } from "node:url";

interface DenoInfo {
  modules: { local?: string | null; specifier: string }[];
}

/**
 * Local source files in the module graph of `entry` (a path or file URL), as absolute
 * paths inside `root`, sorted. npm packages are pinned in deno.json and not part of it.
 *
 * @example
 * ```ts
 * const files = await localModuleGraph("experiments/adam.ts");
 * // ["/repo/experiments/adam.ts", "/repo/lib/optim.ts", ...]
 * ```
 */
export async function localModuleGraph(
  entry: string | URL,
  root: string = REPO_ROOT,
): Promise<string[]> {
  const path = entry instanceof URL || entry.startsWith("file:") ? fromFileUrl(entry) : entry;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", path],
    stdout: "piped",
    stderr: "piped",
    cwd: root,
  }).output();
  if (!output.success) {
    const message = new TextDecoder().decode(output.stderr).trim().split("\n")[0];
    throw new Error(`module graph of ${path}: deno info failed: ${message}`);
  }
  const info = JSON.parse(new TextDecoder().decode(output.stdout)) as DenoInfo;
  const inside = (file: string) => !relative(root, file).startsWith("..");
  return info.modules
    .map((m) => m.local ?? "")
    .filter((file) => file !== "" && inside(file) && !file.includes("/node_modules/"))
    .sort();
}

/** Lowercase hex SHA-256 of bytes or text. */
export async function sha256Hex(data: string | Uint8Array): Promise<string> {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const digest = await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Digest of the contents of `files`, named by their path relative to `root`, so the
 * same code in another clone gives the same digest.
 *
 * @example
 * ```ts
 * const digest = await sourceDigest(await localModuleGraph("lib/trainers/fc.ts"));
 * ```
 */
export async function sourceDigest(files: string[], root: string = REPO_ROOT): Promise<string> {
  const parts: string[] = [];
  for (const file of [...files].sort()) {
    parts.push(relative(root, file), await sha256Hex(await Deno.readFile(file)));
  }
  return sha256Hex(parts.join("\n"));
}

/** The git commit of `root` and whether its tree has uncommitted changes. */
export async function gitInfo(root: string = REPO_ROOT): Promise<{
  commit: string | null;
  dirty: boolean;
}> {
  const git = async (...args: string[]) => {
    try {
      const out = await new Deno.Command("git", {
        args,
        cwd: root,
        stdout: "piped",
        stderr: "null",
      })
        .output();
      return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
    } catch {
      return null; // git is not installed
    }
  };
  const commit = await git("rev-parse", "HEAD");
  const status = commit === null ? null : await git("status", "--porcelain");
  return { commit, dirty: status !== null && status !== "" };
}
