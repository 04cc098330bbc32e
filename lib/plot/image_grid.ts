/**
 * A grid of example images (e.g. misclassified digits) with their true and predicted
 * labels. Each image is inlined as a PNG data URI: Plot's raster mark needs a canvas,
 * and a data URI keeps the page free of network requests.
 *
 * @module
 */
import * as Plot from "@observablehq/plot";
import { argumentError } from "../errors.ts";
import type { Figure } from "./figure.ts";
import { pngDataUri } from "./png.ts";
import { type Displayable, displayable } from "./notebook.ts";

/** One example to show. */
export interface ImageExample {
  /** Row-major (height, width, channels) values in any range; scaled per image to 0..255. */
  pixels: ArrayLike<number>;
  height: number;
  width: number;
  /** 1 (grayscale, e.g. 28x28 MNIST) or 3 (RGB, e.g. 32x32 CIFAR-10). */
  channels: 1 | 3;
  trueLabel: string;
  predictedLabel: string;
}

/** Scales one image's values to bytes by its own min and max (mean-subtracted data too). */
function toBytes(pixels: ArrayLike<number>): Uint8Array {
  let low = Infinity, high = -Infinity;
  for (let i = 0; i < pixels.length; i++) {
    low = Math.min(low, pixels[i]);
    high = Math.max(high, pixels[i]);
  }
  const span = high > low ? high - low : 1;
  const bytes = new Uint8Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) bytes[i] = Math.round((255 * (pixels[i] - low)) / span);
  return bytes;
}

/**
 * Builds the image-grid figure: `columns` images per row, each drawn `scale` times its
 * size (pixelated, not smoothed), labelled "true 3 · pred 5"; wrong predictions in red.
 *
 * @example
 * ```ts
 * import { imageGrid } from "./image_grid.ts";
 *
 * const digit = new Float32Array(28 * 28); // one 28x28 grey image, values in any range
 * const figure = imageGrid([
 *   { pixels: digit, height: 28, width: 28, channels: 1, trueLabel: "3", predictedLabel: "5" },
 * ], { title: "Misclassified digits" });
 * ```
 */
export function imageGrid(
  examples: readonly ImageExample[],
  { title = "Examples", caption, columns = 5, scale = 3 }: {
    title?: string;
    caption?: string;
    columns?: number;
    scale?: number;
  } = {},
): Figure & Displayable {
  if (!Array.isArray(examples) || examples.length === 0) {
    throw argumentError("examples", examples, "a non-empty array of images");
  }
  const cells = examples.map((example, i) => {
    const { pixels, height, width, channels } = example;
    if (pixels.length !== height * width * channels) {
      throw argumentError(
        `examples[${i}].pixels.length`,
        pixels.length,
        `height * width * channels = ${height * width * channels}`,
      );
    }
    return {
      index: i,
      column: i % columns,
      row: Math.floor(i / columns),
      src: pngDataUri(toBytes(pixels), width, height, channels),
      label: `true ${example.trueLabel} · pred ${example.predictedLabel}`,
      correct: example.trueLabel === example.predictedLabel,
      imageWidth: width * scale,
      imageHeight: height * scale,
    };
  });
  const imageSide = Math.max(...cells.map((c) => Math.max(c.imageWidth, c.imageHeight)));
  const cellWidth = Math.max(imageSide + 16, 120);
  const cellHeight = imageSide + 34;
  const rows = Math.ceil(cells.length / columns);
  const centerX = (c: { column: number }) => (c.column + 0.5) * cellWidth;
  const imageY = (c: { row: number }) => c.row * cellHeight + 6 + imageSide / 2;
  return displayable({
    title,
    caption,
    panels: [{
      width: Math.min(columns, cells.length) * cellWidth,
      height: rows * cellHeight,
      margin: 0,
      // Identity scales: positions below are pixels, laid out by hand like a contact sheet.
      x: { type: "identity", axis: null },
      y: { type: "identity", axis: null },
      marks: [
        Plot.image(cells, {
          x: centerX,
          y: imageY,
          src: "src",
          width: (c) => c.imageWidth,
          height: (c) => c.imageHeight,
          imageRendering: "pixelated",
        }),
        ...([true, false] as const).map((correct) =>
          Plot.text(cells, {
            filter: (c) => c.correct === correct,
            x: centerX,
            y: (c) => imageY(c) + imageSide / 2 + 14,
            text: "label",
            fill: correct ? "currentColor" : "#c0392b",
            fontSize: 12,
          })
        ),
      ],
    }],
    data: {
      examples: cells.map(({ index, label, correct, src }) => ({ index, label, correct, src })),
    },
  });
}
