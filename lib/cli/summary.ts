/**
 * `deno task summary <model> [--input N,H,W,C] [--trace] [--backend NAME]`: prints a
 * torchinfo-like summary of one of the registry's models (or, with `--trace`, the output
 * shape after every layer). The input defaults to one example of the model's usual shape.
 *
 * @example
 * ```sh
 * deno task summary mnist_cnn
 * deno task summary convnext --input 1,64,64,3
 * ```
 *
 * @module
 */
import { backendRequest, initBackend } from "../backend/init.ts";
import { argumentError, oneOf } from "../errors.ts";
import { parseCommandLine } from "./command_line.ts";
import { loadModel, MODEL_IDS, type ModelId, MODELS } from "../models/table.ts";
import { Sequential } from "../models/sequential.ts";
import type { ImageShape } from "../models/image_shape.ts";
import { formatShapeTrace, formatSummary, summarize, traceShapes } from "../models/summary.ts";

/** The models built from a layer list (every one but cs231n's FullyConnectedNet). */
const LAYERED: readonly ModelId[] = MODEL_IDS.filter((id) => id !== "fc_net");

const USAGE = `usage: deno task summary <model> [--input N,H,W,C] [--trace] [--backend NAME]
models:
${LAYERED.map((id) => `  ${id.padEnd(24)}${MODELS[id].description}`).join("\n")}`;

/**
 * Largest input a summary accepts, in pixels (N * H * W) and channels. The summary runs
 * one forward pass of zeros, whose memory grows with the pixels: about 7 KB a pixel for
 * the ConvNeXt (1.9 GB at 512x512), 1.7 KB for mnist_cnn. 65,536 pixels (one 256x256
 * image, or a batch of 64 32x32 ones) keeps every registry model under about 600 MB.
 */
export const MAX_INPUT = { pixels: 2 ** 16, channels: 16 } as const;

/**
 * Parses `--input 1,28,28,1` into [1, 28, 28, 1]; refuses shapes beyond
 * {@linkcode MAX_INPUT}.
 *
 * @example
 * ```ts
 * parseInput("2,32,32,3"); // [2, 32, 32, 3]
 * // parseInput("100000,100000,28,1") throws "... expected at most 65,536 pixels"
 * ```
 */
export function parseInput(text: string): number[] {
  const dims = text.split(",").map((d) => Number(d.trim()));
  if (dims.length !== 4 || !dims.every((d) => Number.isInteger(d) && d >= 1)) {
    throw argumentError("--input", text, "N,H,W,C: four positive integers, e.g. 1,28,28,1");
  }
  const [n, h, w, c] = dims;
  const count = (x: number) => x.toLocaleString("en-US");
  if (n * h * w > MAX_INPUT.pixels) {
    throw new Error(
      `--input: got ${text} (${count(n * h * w)} pixels, N*H*W); expected at most ` +
        `${count(MAX_INPUT.pixels)} pixels, e.g. 1,256,256,3 or 64,32,32,3`,
    );
  }
  if (c > MAX_INPUT.channels) {
    throw argumentError("--input", text, `at most ${MAX_INPUT.channels} channels (C)`);
  }
  return dims;
}

/**
 * Runs the command with `args`; returns the text to print.
 *
 * @example
 * ```ts
 * console.log(await summaryCommand(["mnist_cnn"]));
 * ```
 */
export async function summaryCommand(args: string[]): Promise<string> {
  const { values, positionals } = parseCommandLine(args, {
    input: { type: "string" },
    trace: { type: "boolean" },
    backend: { type: "string" },
    help: { type: "boolean", short: "h" },
  }, { allowPositionals: true });
  if (values.help) return USAGE;
  if (positionals.length !== 1) {
    const got = positionals.length === 0 ? "no model" : `${positionals.length} models`;
    throw new Error(
      `model: got ${got}; expected exactly one of ${LAYERED.join(", ")} (${USAGE.split("\n")[0]})`,
    );
  }
  const id = oneOf("model id", positionals[0], LAYERED);
  const inputShape = typeof values.input === "string"
    ? parseInput(values.input)
    : [1, ...MODELS[id].inputShape];
  await initBackend({ backend: backendRequest(values.backend as string | undefined) });
  const model = await loadModel(id, { inputShape: inputShape.slice(1) as ImageShape });
  if (!(model instanceof Sequential)) throw new Error(`model ${id}: not a layer list`);
  try {
    if (values.trace) return formatShapeTrace(traceShapes(model, inputShape), inputShape);
    return formatSummary(summarize(model, inputShape, { title: id }));
  } finally {
    model.dispose();
  }
}

if (import.meta.main) {
  try {
    console.log(await summaryCommand(Deno.args));
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
