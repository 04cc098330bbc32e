/**
 * Verified downloads of data sets: progress, SHA-256 check, atomic write, resume.
 *
 * The bytes stream into `dest + ".part"`; only a file whose checksum matches is renamed to
 * `dest`, so `dest` either holds the right bytes or does not exist. An interrupted
 * download keeps its `.part` and the next call asks the server for the rest with an HTTP
 * Range request; a server that ignores Range, or a resumed file whose checksum fails, makes
 * it start again from byte 0.
 *
 * @module
 */
import { basename, dirname } from "node:path";
import { argumentError } from "../errors.ts";

/** How far a download has got; passed to `onProgress` as bytes arrive. */
export interface DownloadProgress {
  url: string;
  /** Bytes of the file on disk so far, including the resumed part. */
  received: number;
  /** Size of the whole file in bytes, when the server says it. */
  total: number | null;
  /** Bytes that were already in the `.part` file when this request started. */
  resumedFrom: number;
  /** Milliseconds since this request started. */
  elapsedMs: number;
  /** True on the last call, once the body has ended. */
  done: boolean;
}

/** Options of {@linkcode download}. */
export interface DownloadOptions {
  /** Expected SHA-256 of the whole file, 64 hex digits. Without it only `size` is checked. */
  sha256?: string;
  /** Expected size in bytes. */
  size?: number;
  /** Called as bytes arrive; the default draws {@linkcode progressReporter}'s bar or lines. */
  onProgress?: (progress: DownloadProgress) => void;
  /** No progress output at all (when `onProgress` is not given). */
  quiet?: boolean;
  /** Give up when the server has not answered (headers) within this many milliseconds. */
  connectTimeoutMs?: number;
}

/** What {@linkcode download} did. */
export interface DownloadResult {
  path: string;
  /** Size of the file in bytes. */
  bytes: number;
  /** SHA-256 of the file, hex. */
  sha256: string;
  /** True when `dest` already held the verified file and nothing was fetched. */
  cached: boolean;
  /** True when the file was completed from an earlier `.part`. */
  resumed: boolean;
}

/**
 * The server could not be reached at all (DNS failure, refused or timed-out connection, or
 * no network permission): the case where a caller falls back to offline data.
 *
 * @example
 * ```ts
 * import { download, DownloadUnreachableError } from "./download.ts";
 *
 * const url = "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz";
 * try {
 *   await download(url, "data/mnist/t10k-labels-idx1-ubyte.gz");
 * } catch (error) {
 *   if (!(error instanceof DownloadUnreachableError)) throw error;
 *   console.log(`${error.message}; using the offline MNIST digits instead`);
 * }
 * ```
 */
export class DownloadUnreachableError extends Error {
  /** Host name of the URL, e.g. "www.cs.toronto.edu". */
  readonly host: string;
  readonly url: string;
  constructor(url: string, detail: string, options?: ErrorOptions) {
    const host = new URL(url).host;
    super(`download: cannot reach ${host} (${detail})`, options);
    this.name = "DownloadUnreachableError";
    this.host = host;
    this.url = url;
  }
}

/**
 * Hex SHA-256 of a file (Web Crypto). The file is read whole: fine for data sets of a few
 * hundred megabytes, the largest being CIFAR-10's 170 MB tarball.
 *
 * @example
 * ```ts
 * import { sha256File } from "./download.ts";
 *
 * const digest = await sha256File("data/cifar-10-binary.tar.gz");
 * ```
 */
export async function sha256File(path: string): Promise<string> {
  const bytes = await Deno.readFile(path);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

function formatMegabytes(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

/**
 * A progress callback for {@linkcode download}: a redrawn bar on a terminal, and a plain
 * line every 10% (or every 10 s when the size is unknown) when stdout is not a terminal.
 *
 * @param label shown before the bar, usually the file name.
 * @example
 * ```ts
 * import { download, progressReporter } from "./download.ts";
 *
 * const url = "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz";
 * const onProgress = progressReporter("cifar-10-binary.tar.gz");
 * await download(url, "data/cifar-10-binary.tar.gz", { onProgress });
 * // cifar-10-binary.tar.gz [##########..........]  50%  85.0/170.1 MB  4.2 MB/s
 * ```
 */
export function progressReporter(
  label: string,
  { terminal = Deno.stdout.isTerminal() }: { terminal?: boolean } = {},
): (progress: DownloadProgress) => void {
  const encoder = new TextEncoder();
  let lastDraw = -Infinity;
  let lastTenth = -1;
  return (p) => {
    const fraction = p.total ? Math.min(1, p.received / p.total) : null;
    const seconds = Math.max(p.elapsedMs / 1000, 1e-3);
    const rate = `${formatMegabytes((p.received - p.resumedFrom) / seconds)} MB/s`;
    const size = p.total
      ? `${formatMegabytes(p.received)}/${formatMegabytes(p.total)} MB`
      : `${formatMegabytes(p.received)} MB`;
    if (terminal) {
      // Redrawing more than ~10 times a second only costs time.
      if (!p.done && p.elapsedMs - lastDraw < 100) return;
      lastDraw = p.elapsedMs;
      const width = 20;
      const filled = fraction === null ? 0 : Math.round(fraction * width);
      const bar = fraction === null ? "" : `[${"#".repeat(filled)}${".".repeat(width - filled)}] `;
      const percent = fraction === null ? "" : `${(100 * fraction).toFixed(0).padStart(3)}%  `;
      const line = `\r${label} ${bar}${percent}${size}  ${rate}\x1b[K${p.done ? "\n" : ""}`;
      Deno.stdout.writeSync(encoder.encode(line));
      return;
    }
    const tenth = fraction === null ? Math.floor(p.elapsedMs / 10_000) : Math.floor(fraction * 10);
    if (tenth === lastTenth && !p.done) return;
    lastTenth = tenth;
    const percent = fraction === null ? "" : `${(100 * fraction).toFixed(0)}% `;
    console.log(`${label}: ${percent}${size} ${rate}${p.done ? " (done)" : ""}`);
  };
}

async function fileSize(path: string): Promise<number | null> {
  try {
    return (await Deno.stat(path)).size;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

async function removeIfPresent(path: string): Promise<void> {
  try {
    await Deno.remove(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** Sends the request; any failure before a response arrives means the host is unreachable. */
async function request(
  url: string,
  headers: HeadersInit,
  connectTimeoutMs: number,
): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), connectTimeoutMs);
  try {
    return await fetch(url, { headers, signal: controller.signal });
  } catch (error) {
    if (error instanceof Deno.errors.NotCapable || error instanceof Deno.errors.PermissionDenied) {
      throw new DownloadUnreachableError(url, "no network permission for it", { cause: error });
    }
    const detail = controller.signal.aborted
      ? `no answer within ${connectTimeoutMs / 1000} s; offline?`
      : "offline?";
    throw new DownloadUnreachableError(url, detail, { cause: error });
  } finally {
    // Only the wait for the response is bounded; a slow body is fine.
    clearTimeout(timer);
  }
}

/** Parses `Content-Range: bytes <start>-<end>/<total>`. */
function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = header?.match(/^bytes (\d+)-\d+\/(\d+|\*)$/);
  if (!match) return null;
  return { start: Number(match[1]), total: match[2] === "*" ? null : Number(match[2]) };
}

/** Fetches into `part`, resuming from its current size when the server allows it. */
async function fetchIntoPart(
  url: string,
  part: string,
  onProgress: (progress: DownloadProgress) => void,
  connectTimeoutMs: number,
): Promise<{ resumed: boolean }> {
  const existing = (await fileSize(part)) ?? 0;
  const headers: HeadersInit = existing > 0 ? { Range: `bytes=${existing}-` } : {};
  const response = await request(url, headers, connectTimeoutMs);
  const host = new URL(url).host;

  let append = false;
  let total: number | null = null;
  if (response.status === 206 && existing > 0) {
    const range = parseContentRange(response.headers.get("content-range"));
    append = range?.start === existing;
    total = range?.total ?? null;
    if (!append) {
      // A range other than the one asked for: start again rather than guess.
      await response.body?.cancel();
      await removeIfPresent(part);
      return await fetchIntoPart(url, part, onProgress, connectTimeoutMs);
    }
  } else if (response.status === 416 && existing > 0) {
    // "Range not satisfiable": the .part is probably complete already; the checksum decides.
    await response.body?.cancel();
    return { resumed: true };
  } else if (response.status === 200) {
    // Fresh download, or a server that ignores Range: overwrite whatever the .part held.
    const length = response.headers.get("content-length");
    total = length === null ? null : Number(length);
  } else {
    await response.body?.cancel();
    throw new Error(
      `download: ${url} answered HTTP ${response.status} ${response.statusText}; expected 200 or 206`,
    );
  }

  // Created only now, so an offline attempt leaves no empty folders behind.
  await Deno.mkdir(dirname(part), { recursive: true });
  const resumedFrom = append ? existing : 0;
  const started = performance.now();
  let received = resumedFrom;
  const file = await Deno.open(part, { write: true, create: true, append, truncate: !append });
  try {
    if (response.body) {
      for await (const chunk of response.body) {
        let written = 0;
        while (written < chunk.length) written += await file.write(chunk.subarray(written));
        received += chunk.length;
        onProgress({
          url,
          received,
          total,
          resumedFrom,
          elapsedMs: performance.now() - started,
          done: false,
        });
      }
    }
  } catch (error) {
    throw new Error(
      `download: connection to ${host} lost after ${received} bytes of ${url}; run again to resume from ${part}`,
      { cause: error },
    );
  } finally {
    file.close();
  }
  onProgress({
    url,
    received,
    total,
    resumedFrom,
    elapsedMs: performance.now() - started,
    done: true,
  });
  return { resumed: append };
}

/** Compares a file with the expected size and checksum; returns what is wrong, or null. */
async function verify(
  path: string,
  sha256: string | undefined,
  size: number | undefined,
): Promise<{ problem: string | null; digest: string; bytes: number }> {
  const bytes = (await fileSize(path)) ?? 0;
  const digest = await sha256File(path);
  if (size !== undefined && bytes !== size) {
    return { problem: `size ${bytes} bytes; expected ${size}`, digest, bytes };
  }
  if (sha256 !== undefined && digest !== sha256) {
    return { problem: `SHA-256 ${digest}; expected ${sha256}`, digest, bytes };
  }
  return { problem: null, digest, bytes };
}

/**
 * Downloads `url` to `dest`, verified and atomic.
 *
 * - Streams into `dest + ".part"`, then checks `size` and `sha256` and renames to `dest`.
 *   A mismatch deletes the `.part` and throws: nothing is left at `dest`.
 * - A `.part` left by an interrupted run is resumed with an HTTP Range request; when the
 *   server ignores Range, or the resumed file fails its checksum, it starts from byte 0.
 * - When `dest` exists and verifies, nothing is fetched (`cached: true`); when it exists
 *   but does not verify, it is fetched again.
 * - When the host cannot be reached, throws {@linkcode DownloadUnreachableError}, whose
 *   one-line message ("download: cannot reach <host> (offline?)") the caller can extend
 *   with its fallback.
 *
 * @example
 * ```ts
 * import { download } from "./download.ts";
 *
 * await download(
 *   "https://storage.googleapis.com/cvdf-datasets/mnist/t10k-labels-idx1-ubyte.gz",
 *   "data/mnist/t10k-labels-idx1-ubyte.gz",
 *   { sha256: "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", size: 4542 },
 * );
 * ```
 */
export async function download(
  url: string,
  dest: string,
  options: DownloadOptions = {},
): Promise<DownloadResult> {
  const { sha256, size, quiet = false, connectTimeoutMs = 15_000 } = options;
  try {
    new URL(url);
  } catch {
    throw argumentError("url", url, "an absolute http(s) URL");
  }
  if (sha256 !== undefined && !/^[0-9a-f]{64}$/.test(sha256)) {
    throw argumentError("sha256", sha256, "64 lower-case hex digits");
  }
  const onProgress = options.onProgress ??
    (quiet ? () => {} : progressReporter(basename(dest)));
  const part = dest + ".part";

  if ((await fileSize(dest)) !== null) {
    const check = await verify(dest, sha256, size);
    if (check.problem === null) {
      return { path: dest, bytes: check.bytes, sha256: check.digest, cached: true, resumed: false };
    }
    // A wrong file at dest (copied by hand, or from an older mirror): fetch it again.
    await Deno.remove(dest);
  }

  let { resumed } = await fetchIntoPart(url, part, onProgress, connectTimeoutMs);
  let check = await verify(part, sha256, size);
  if (check.problem !== null && resumed) {
    // The old .part may have held different bytes (another version, a torn write): retry whole.
    await Deno.remove(part);
    ({ resumed } = await fetchIntoPart(url, part, onProgress, connectTimeoutMs));
    check = await verify(part, sha256, size);
  }
  if (check.problem !== null) {
    await removeIfPresent(part);
    throw new Error(`download: ${url} has ${check.problem}; the download was deleted`);
  }
  await Deno.rename(part, dest);
  return { path: dest, bytes: check.bytes, sha256: check.digest, cached: false, resumed };
}
