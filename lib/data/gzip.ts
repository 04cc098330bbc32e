/**
 * Gzip detection and decompression for data files that may or may not be compressed
 * (MNIST's IDX files ship as `.gz`, but users often keep them unpacked).
 *
 * @module
 */

/**
 * True when `bytes` start with the gzip magic number 1f 8b.
 *
 * @example
 * ```ts
 * import { isGzip } from "./gzip.ts";
 *
 * isGzip(new Uint8Array([0x1f, 0x8b, 8, 0])); // true
 * ```
 */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decompresses gzip bytes with the Web `DecompressionStream`.
 *
 * @param file named in the error when the bytes are not valid gzip or are cut short.
 * @example
 * ```ts
 * import { gunzip } from "./gzip.ts";
 *
 * const file = "data/mnist/t10k-labels-idx1-ubyte.gz";
 * const raw = await gunzip(await Deno.readFile(file), file); // the IDX bytes
 * ```
 */
export async function gunzip(bytes: Uint8Array, file: string): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  try {
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${file}: not a valid gzip file (${reason}); delete it and download it again`);
  }
}

/**
 * Reads a file and decompresses it when it is gzipped (detected by its magic bytes, not
 * its name), so `x.gz` and its unpacked copy load the same way.
 *
 * @example
 * ```ts
 * import { readMaybeGzipped } from "./gzip.ts";
 *
 * const bytes = await readMaybeGzipped("data/mnist/train-labels-idx1-ubyte.gz");
 * ```
 */
export async function readMaybeGzipped(path: string): Promise<Uint8Array> {
  const bytes = await Deno.readFile(path);
  return isGzip(bytes) ? await gunzip(bytes, path) : bytes;
}
