/**
 * A minimal reader for (ustar / GNU / pax) tar archives, enough to unpack data set
 * tarballs such as cifar-10-binary.tar.gz without an external `tar`.
 *
 * A tar file is a sequence of 512-byte headers, each followed by the entry's data padded
 * to a multiple of 512 bytes, and ends with two zero blocks.
 *
 * @module
 */
import { dirname, join, normalize } from "node:path";

const BLOCK = 512;

/** One regular file in a tar archive. */
export interface TarEntry {
  /** Path inside the archive, e.g. "cifar-10-batches-bin/data_batch_1.bin". */
  name: string;
  /** The file's bytes (a view into the archive, not a copy). */
  data: Uint8Array;
}

const decoder = new TextDecoder();

/** A NUL-terminated string field of a header. */
function field(header: Uint8Array, start: number, length: number): string {
  const bytes = header.subarray(start, start + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** An octal number field (sizes, checksums), padded with spaces or NULs. */
function octal(header: Uint8Array, start: number, length: number): number {
  const text = field(header, start, length).trim();
  return text === "" ? 0 : parseInt(text, 8);
}

/** The path a pax extended header sets (`<len> path=<value>\n` records), if any. */
function paxPath(data: Uint8Array): string | null {
  const text = decoder.decode(data);
  const match = text.match(/(?:^|\n)\d+ path=([^\n]*)\n/);
  return match ? match[1] : null;
}

/**
 * Lists the regular files of a tar archive (directories, links and other entries are
 * skipped). Checks each header's checksum and that no entry runs past the end.
 *
 * @param file named in the error when the archive is corrupt or truncated.
 * @example
 * ```ts
 * import { gunzip } from "./gzip.ts";
 * import { readTar } from "./tar.ts";
 *
 * const entries = readTar(await gunzip(await Deno.readFile("x.tar.gz"), "x.tar.gz"), "x.tar.gz");
 * for (const { name, data } of entries) console.log(name, data.length);
 * ```
 */
export function readTar(bytes: Uint8Array, file: string): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let longName: string | null = null;
  while (offset + BLOCK <= bytes.length) {
    const header = bytes.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) return entries; // end-of-archive marker
    // The checksum is the byte sum of the header with its own 8-byte field read as spaces.
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i];
    const stored = octal(header, 148, 8);
    if (stored !== sum) {
      throw new Error(
        `${file}: corrupt tar header at byte ${offset} (checksum ${stored}, computed ${sum})`,
      );
    }
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156] || 0x30);
    const dataStart = offset + BLOCK;
    if (dataStart + size > bytes.length) {
      throw new Error(
        `${file}: truncated: entry at byte ${offset} needs ${size} bytes, archive ends after ${
          bytes.length - dataStart
        }`,
      );
    }
    const data = bytes.subarray(dataStart, dataStart + size);
    const prefix = field(header, 257, 6) === "ustar" ? field(header, 345, 155) : "";
    const headerName = prefix ? `${prefix}/${field(header, 0, 100)}` : field(header, 0, 100);
    if (type === "L") {
      longName = decoder.decode(data).replace(/\0+$/, ""); // GNU long name of the next entry
    } else if (type === "x") {
      longName = paxPath(data) ?? longName; // pax header for the next entry
    } else {
      if (type === "0" || type === "7") entries.push({ name: longName ?? headerName, data });
      longName = null;
    }
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
  }
  if (offset < bytes.length) {
    throw new Error(
      `${file}: truncated: header at byte ${offset} is cut after ${bytes.length - offset} bytes`,
    );
  }
  // Archives cut exactly at a block boundary lose only their end marker; the entries are whole.
  return entries;
}

/**
 * Writes the regular files of a tar archive under `destDir`. Refuses entries whose path
 * is absolute or climbs out with "..".
 *
 * @returns the paths written.
 * @example
 * ```ts
 * import { gunzip } from "./gzip.ts";
 * import { extractTar } from "./tar.ts";
 *
 * const file = "data/cifar-10-binary.tar.gz";
 * const tarBytes = await gunzip(await Deno.readFile(file), file);
 * await extractTar(tarBytes, "data/.extracting", file); // the paths written
 * ```
 */
export async function extractTar(
  bytes: Uint8Array,
  destDir: string,
  file: string,
): Promise<string[]> {
  const written: string[] = [];
  for (const { name, data } of readTar(bytes, file)) {
    const relative = normalize(name);
    if (relative.startsWith("/") || relative.split(/[\\/]/).includes("..")) {
      throw new Error(`${file}: entry ${JSON.stringify(name)} would be written outside ${destDir}`);
    }
    const path = join(destDir, relative);
    await Deno.mkdir(dirname(path), { recursive: true });
    await Deno.writeFile(path, data);
    written.push(path);
  }
  return written;
}
