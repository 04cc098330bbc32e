/**
 * A minimal PNG encoder (8-bit grayscale, RGB or RGBA, no filtering), so images can be
 * inlined in a page as data URIs without a canvas.
 *
 * @module
 */
import { deflateSync } from "node:zlib";
import { argumentError, oneOf } from "../errors.ts";

const COLOR_TYPE: Record<number, number> = { 1: 0, 3: 2, 4: 6 };

let crcTable: Uint32Array | undefined;

/** CRC-32 (the PNG/zlib polynomial) of `bytes`. */
function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const byte of bytes) crc = crcTable[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(new TextEncoder().encode(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/**
 * Encodes 8-bit pixels as a PNG file.
 *
 * @param pixels row-major, (height, width, channels) bytes
 * @param channels 1 (gray), 3 (RGB) or 4 (RGBA)
 *
 * @example
 * ```ts
 * import { encodePng } from "./png.ts";
 *
 * const png = encodePng(new Uint8Array(28 * 28), 28, 28, 1); // a black digit-sized image
 * ```
 */
export function encodePng(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): Uint8Array {
  oneOf("channels", channels, [1, 3, 4]);
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw argumentError("width x height", `${width} x ${height}`, "positive integers");
  }
  if (pixels.length !== width * height * channels) {
    throw argumentError(
      "pixels.length",
      pixels.length,
      `width * height * channels = ${width * height * channels}`,
    );
  }
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, COLOR_TYPE[channels], 0, 0, 0], 8);
  // Each scanline starts with its filter type; 0 (none) keeps the encoder trivial.
  const stride = width * channels;
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    raw.set(pixels.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  }
  const parts = [
    new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", new Uint8Array(deflateSync(raw))),
    chunk("IEND", new Uint8Array(0)),
  ];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Encodes pixels as a `data:image/png;base64,...` URI.
 *
 * @example
 * ```ts
 * import { pngDataUri } from "./png.ts";
 *
 * const src = pngDataUri(new Uint8Array(32 * 32 * 3), 32, 32, 3); // data:image/png;base64,...
 * ```
 */
export function pngDataUri(
  pixels: Uint8Array,
  width: number,
  height: number,
  channels: 1 | 3 | 4,
): string {
  const png = encodePng(pixels, width, height, channels);
  let binary = "";
  for (const byte of png) binary += String.fromCharCode(byte);
  return `data:image/png;base64,${btoa(binary)}`;
}
