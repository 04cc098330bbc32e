/**
 * Test helper: screenshots an HTML file with headless Chromium and decodes the PNG to
 * RGBA pixels, so tests can check that figures are really drawn (not only that a file
 * exists). Chromium runs with every background network feature off; the page must not
 * need the network anyway.
 *
 * @module
 */
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";

/** Where CI and the Debian package put Chromium. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Decoded pixels: row-major (height, width, 4) RGBA bytes. */
export interface RgbaImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/**
 * Inflates a zlib stream with the Web `DecompressionStream("deflate")` (zlib-wrapped
 * deflate, which is what a PNG's IDAT data is).
 */
async function inflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Channels per pixel of each PNG colour type we decode (8-bit, no palette). */
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 4: 2, 6: 4 };

/**
 * Decodes an 8-bit, non-interlaced PNG (grayscale, gray+alpha, RGB or RGBA) into RGBA
 * pixels: parse chunks, inflate the joined IDAT data, undo each scanline's filter
 * (none, sub, up, average, Paeth), expand to four channels.
 *
 * @example
 * ```ts
 * const { width, height, pixels } = await decodePng(await Deno.readFile("shot.png"));
 * const [r, g, b, a] = pixels.subarray(0, 4); // top-left pixel
 * ```
 */
export async function decodePng(bytes: Uint8Array): Promise<RgbaImage> {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (bytes.length < 8 || signature.some((b, i) => bytes[i] !== b)) {
    throw new Error("decodePng: not a PNG file (bad signature)");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0, height = 0, bitDepth = 0, colorType = -1, interlace = 0;
  const idat: Uint8Array[] = [];
  for (let offset = 8; offset + 8 <= bytes.length;) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === "IHDR") {
      width = view.getUint32(offset + 8);
      height = view.getUint32(offset + 12);
      [bitDepth, colorType] = [body[8], body[9]];
      interlace = body[12];
    } else if (type === "IDAT") {
      idat.push(body);
    } else if (type === "IEND") {
      break;
    }
    offset += 12 + length; // length, type, body, CRC
  }
  const channels = CHANNELS[colorType];
  if (bitDepth !== 8 || channels === undefined || interlace !== 0) {
    throw new Error(
      `decodePng: got bit depth ${bitDepth}, colour type ${colorType}, interlace ${interlace}; ` +
        "expected 8-bit, non-interlaced gray, gray+alpha, RGB or RGBA",
    );
  }
  const joined = new Uint8Array(idat.reduce((n, part) => n + part.length, 0));
  idat.reduce((offset, part) => (joined.set(part, offset), offset + part.length), 0);
  const raw = await inflate(joined);
  const stride = width * channels;
  if (raw.length !== height * (stride + 1)) {
    throw new Error(
      `decodePng: got ${raw.length} bytes of pixel data; expected ${height * (stride + 1)}`,
    );
  }
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = y * stride;
    for (let i = 0; i < stride; i++) {
      // a = left, b = up, c = up-left (same channel), as the PNG spec names them.
      const a = i >= channels ? out[row + i - channels] : 0;
      const b = y > 0 ? out[row - stride + i] : 0;
      const c = y > 0 && i >= channels ? out[row - stride + i - channels] : 0;
      let predictor = 0;
      if (filter === 1) predictor = a;
      else if (filter === 2) predictor = b;
      else if (filter === 3) predictor = (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        predictor = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      } else if (filter !== 0) {
        throw new Error(`decodePng: unknown filter type ${filter} on row ${y}`);
      }
      out[row + i] = (line[i] + predictor) & 0xff;
    }
  }
  const rgba = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) {
    const s = out.subarray(p * channels, (p + 1) * channels);
    const gray = channels <= 2;
    rgba[p * 4] = s[0];
    rgba[p * 4 + 1] = gray ? s[0] : s[1];
    rgba[p * 4 + 2] = gray ? s[0] : s[2];
    rgba[p * 4 + 3] = channels === 2 ? s[1] : channels === 4 ? s[3] : 255;
  }
  return { width, height, pixels: rgba };
}

/**
 * Screenshots `htmlPath` in headless Chromium at `width` x `height` CSS pixels and
 * returns the decoded pixels. Throws, saying how to install it, when Chromium is missing.
 *
 * @example
 * ```ts
 * const shot = await screenshot("plots/adam.html");
 * console.log(shot.width, shot.height); // 1200 1600
 * ```
 */
export async function screenshot(
  htmlPath: string,
  { width = 1200, height = 1600, timeoutMs = 90_000, keepPng }: {
    width?: number;
    height?: number;
    /** Chromium is killed after this long (a hung browser must not hang the tests). */
    timeoutMs?: number;
    /** Also copy the PNG here, to look at it. */
    keepPng?: string;
  } = {},
): Promise<RgbaImage> {
  try {
    await Deno.stat(CHROMIUM_PATH);
  } catch {
    throw new Error(
      `headless Chromium not found at ${CHROMIUM_PATH}: install it (Debian/Ubuntu: ` +
        "`sudo apt-get install -y chromium`); the figure screenshot test needs it",
    );
  }
  const profile = await Deno.makeTempDir({ prefix: "nnlab-chromium-" });
  const png = `${profile}/screenshot.png`;
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), timeoutMs);
  try {
    const output = await new Deno.Command(CHROMIUM_PATH, {
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        `--user-data-dir=${profile}/profile`,
        `--screenshot=${png}`,
        `--window-size=${width},${height}`,
        pathToFileURL(resolve(htmlPath)).href,
      ],
      stdout: "piped",
      stderr: "piped",
      signal: timeout.signal,
    }).output();
    const bytes = await Deno.readFile(png).catch(() => null);
    if (!output.success || bytes === null) {
      const log = new TextDecoder().decode(output.stderr).trim().split("\n").slice(-5).join("\n");
      throw new Error(
        `chromium exited with code ${output.code}` +
          `${timeout.signal.aborted ? ` (killed after ${timeoutMs} ms)` : ""} and ` +
          `${bytes === null ? "no screenshot" : "a screenshot"}; last lines:\n${log}`,
      );
    }
    if (keepPng) await Deno.writeFile(keepPng, bytes);
    return await decodePng(bytes);
  } finally {
    clearTimeout(timer);
    await Deno.remove(profile, { recursive: true }).catch(() => {});
  }
}

/**
 * Counts the rows of an image holding at least one pixel within `tolerance` (per channel,
 * 0..255) of the colour `hex` ("#rrggbb"). A drawn curve spans many rows; a legend swatch
 * spans about fifteen, so this tells a plotted series from its legend entry.
 *
 * @example
 * ```ts
 * const rows = rowsWithColor(await screenshot("plots/adam.html"), "#4269d0");
 * ```
 */
export function rowsWithColor(image: RgbaImage, hex: string, tolerance = 10): number {
  const target = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let rows = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = (y * image.width + x) * 4;
      if (target.every((value, c) => Math.abs(image.pixels[p + c] - value) <= tolerance)) {
        rows++;
        break;
      }
    }
  }
  return rows;
}

/**
 * Fraction (0..1) of pixels that are not near-white (any channel below 235).
 *
 * @example
 * ```ts
 * inkFraction(shot) > 0.02; // something is drawn
 * ```
 */
export function inkFraction(image: RgbaImage): number {
  let ink = 0;
  for (let p = 0; p < image.width * image.height; p++) {
    const [r, g, b] = image.pixels.subarray(p * 4, p * 4 + 3);
    if (r < 235 || g < 235 || b < 235) ink++;
  }
  return ink / (image.width * image.height);
}
