/**
 * A run's identity and key: the canonical JSON of its config, the backend that computes
 * it (tier, library version, this project's kernels for that tier), and the token digest
 * of exactly the code it executes: the trainer module's runtime import graph plus the
 * modules the run loads by computed import (its model). Run machinery, progress display,
 * plotting, the dev server and the command line are not in that graph, so editing them
 * retrains nothing; comments and formatting never count (see source_graph.ts).
 *
 * The thread count is not part of the key for tiers whose results do not depend on it
 * (tests/threads_test.ts checks that for wasm).
 *
 * @module
 */
import { relative } from "node:path";
import { fileURLToPath } from "node:url";
import type { BackendIdentity, BackendInfo, BackendName } from "../backend/info.ts";
import { REPO_ROOT } from "../files.ts";
import type { RunIdentity, RunSpec } from "./record.ts";
import { codeIdentity, moduleGraph, sha256Hex } from "./source_graph.ts";

/**
 * JSON with object keys sorted at every level, `undefined` members dropped: the same
 * config always gives the same text.
 *
 * @example
 * ```ts
 * import { canonicalJson } from "./identity.ts";
 *
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

/** Our kernels per tier: their code is part of the backend's identity. */
const KERNEL_ENTRIES: Partial<Record<BackendName, string>> = {
  wasm: new URL("../kernels/wasm/mod.ts", import.meta.url).href,
  webgpu: new URL("../kernels/webgpu/register.ts", import.meta.url).href,
  native: new URL("../kernels/native/kernels.ts", import.meta.url).href,
};

/**
 * Tiers whose results change with the thread count: oneDNN (2.x) reproduces results
 * bitwise only for a fixed environment, thread count included (its reductions split work
 * by thread), and has no deterministic mode; 1 and 2 threads give gradients that differ
 * in the last bits (tests/kernels_native_determinism_test.ts).
 */
const THREAD_DEPENDENT: readonly BackendName[] = ["native"];

/** The library that does a tier's arithmetic, as "package@version". */
function libraryOf(info: BackendInfo): string {
  const { versions } = info;
  switch (info.backend) {
    case "wasm":
      return `@tensorflow/tfjs-backend-wasm@${versions["tfjs-backend-wasm"] ?? "?"}`;
    case "cpu":
      return `@tensorflow/tfjs-backend-cpu@${versions["tfjs-backend-cpu"] ?? versions.tfjs ?? "?"}`;
    case "native":
      return `oneDNN@${versions.onednn ?? "?"}`;
    case "webgpu":
      return `@tensorflow/tfjs-backend-webgpu@${versions["tfjs-backend-webgpu"] ?? "?"}`;
    default:
      return `${info.provider}@${versions[info.provider] ?? versions["tfjs-node"] ?? "?"}`;
  }
}

const backendIdentities = new Map<string, Promise<BackendIdentity>>();

/**
 * The identity of a started backend (computed once per process and tier).
 *
 * @example
 * ```ts
 * import { backendIdentity } from "./identity.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * const backend = await backendIdentity(await initBackend());
 * backend.library; // "@tensorflow/tfjs-backend-wasm@4.22.0"
 * ```
 */
export function backendIdentity(info: BackendInfo): Promise<BackendIdentity> {
  const cacheKey = `${info.backend}/${info.threads}`;
  let identity = backendIdentities.get(cacheKey);
  if (!identity) {
    identity = (async () => {
      const entry = KERNEL_ENTRIES[info.backend];
      const kernels = entry ? (await codeIdentity(await moduleGraph([entry]))).digest : null;
      return {
        name: info.backend,
        library: libraryOf(info),
        kernels,
        ...(THREAD_DEPENDENT.includes(info.backend) ? { threads: info.threads } : {}),
      };
    })();
    backendIdentities.set(cacheKey, identity);
  }
  return identity;
}

/** A module URL as a path relative to the repository root, as stored in identities. */
export function repoPath(url: string): string {
  return relative(REPO_ROOT, fileURLToPath(url));
}

const codeIdentities = new Map<string, Promise<RunIdentity["code"]>>();

/**
 * The identity of one run on `backend`: its trainer, extra modules, code and backend.
 *
 * @example
 * ```ts
 * import { backendIdentity, runIdentity } from "./identity.ts";
 * import type { RunSpec } from "./record.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const spec: RunSpec; // e.g. fcRun("adam", settings)
 * const identity = await runIdentity(spec, await backendIdentity(await initBackend()));
 * Object.keys(identity.code.files); // ["lib/data/...", ..., "lib/train/solver.ts", ...]
 * ```
 */
export async function runIdentity(spec: RunSpec, backend: BackendIdentity): Promise<RunIdentity> {
  const entries = [spec.trainer, ...(spec.modules ?? [])];
  const cacheKey = entries.join("\n");
  let code = codeIdentities.get(cacheKey);
  if (!code) {
    code = moduleGraph(entries).then((files) => codeIdentity(files));
    codeIdentities.set(cacheKey, code);
    code.catch(() => codeIdentities.delete(cacheKey));
  }
  return {
    trainer: repoPath(spec.trainer),
    modules: (spec.modules ?? []).map(repoPath).sort(),
    code: await code,
    backend,
  };
}

/**
 * The key of a run: SHA-256 of its config and identity (the per-file digests are left
 * out; their combined digest stands for them).
 *
 * @example
 * ```ts
 * import { backendIdentity, runIdentity, runKey } from "./identity.ts";
 * import type { RunSpec } from "./record.ts";
 * import { initBackend } from "../backend/init.ts";
 *
 * declare const spec: RunSpec; // e.g. fcRun("adam", settings)
 * const backend = await backendIdentity(await initBackend());
 * const key = await runKey(spec.config, await runIdentity(spec, backend)); // 64 hex digits
 * ```
 */
export function runKey(config: Record<string, unknown>, identity: RunIdentity): Promise<string> {
  return sha256Hex(canonicalJson({
    config,
    trainer: identity.trainer,
    modules: identity.modules,
    code: identity.code.digest,
    backend: identity.backend,
  }));
}

/**
 * Why a run with `current` identity and config has no record, compared with the newest
 * stored record of the same study and run name: one line, or null when there is nothing
 * to compare with (a new run).
 *
 * @example
 * ```ts
 * import { missCause } from "./identity.ts";
 * import type { RunIdentity, RunRecord } from "./record.ts";
 *
 * declare const previous: RunRecord; // the newest stored record of the same run
 * declare const identity: RunIdentity; // the run's identity now
 * missCause(previous, { config: previous.config, identity }); // "code changed: lib/train/optim.ts"
 * ```
 */
export function missCause(
  previous: { config: Record<string, unknown>; identity: RunIdentity } | undefined,
  current: { config: Record<string, unknown>; identity: RunIdentity },
): string | null {
  if (!previous) return null;
  const causes: string[] = [];
  const changed = changedKeys(previous.config, current.config);
  if (changed.length > 0) causes.push(`new settings (${changed.join(", ")})`);
  const files = changedKeys(previous.identity.code.files, current.identity.code.files);
  if (files.length > 0) {
    const shown = files.slice(0, 4).join(", ") + (files.length > 4 ? `, +${files.length - 4}` : "");
    causes.push(`code changed: ${shown}`);
  }
  const b0 = previous.identity.backend;
  const b1 = current.identity.backend;
  if (canonicalJson(b0) !== canonicalJson(b1)) {
    const what = b0.name !== b1.name
      ? `${b0.name} -> ${b1.name}`
      : b0.library !== b1.library
      ? `${b0.library} -> ${b1.library}`
      : b0.kernels !== b1.kernels
      ? `lib/kernels/${b1.name} changed`
      : `threads ${b0.threads} -> ${b1.threads}`;
    causes.push(`backend changed (${what})`);
  }
  if (previous.identity.trainer !== current.identity.trainer) {
    causes.push(`trainer ${previous.identity.trainer} -> ${current.identity.trainer}`);
  }
  const modulesBefore = previous.identity.modules.join(", ") || "none";
  const modulesNow = current.identity.modules.join(", ") || "none";
  if (modulesBefore !== modulesNow) causes.push(`modules ${modulesBefore} -> ${modulesNow}`);
  return causes.length > 0 ? causes.join("; ") : null;
}

/**
 * The top-level keys of two objects whose values differ (a missing key counts as null),
 * sorted.
 *
 * @example
 * ```ts
 * import { changedKeys } from "./identity.ts";
 *
 * changedKeys({ learningRate: 1e-3, batchSize: 50 }, { learningRate: 1e-2 }); // ["batchSize", "learningRate"]
 * ```
 */
export function changedKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()
    .filter((key) => canonicalJson(a[key] ?? null) !== canonicalJson(b[key] ?? null));
}
