/**
 * Every block of lib/blocks on webgpu against cpu: a training-mode forward, the gradient
 * of every parameter and of the input, and the state after (batchnorm running
 * statistics). Each backend builds the block from the same seed (seeded initialization
 * draws the same values everywhere) and the same host input.
 */
import * as tf from "@tensorflow/tfjs";
import { BasicBlock } from "../lib/blocks/basic_block.ts";
import { BiasFreeConv2d } from "../lib/blocks/bias_free_conv.ts";
import { disposeModule } from "../lib/blocks/children.ts";
import { ConvNeXtBlock } from "../lib/blocks/convnext_block.ts";
import { ConvNeXtDownsampler } from "../lib/blocks/convnext_downsampler.ts";
import { PreActResidualBlock } from "../lib/blocks/preact_residual.ts";
import { ResidualBlock } from "../lib/blocks/residual.ts";
import type { Module } from "../lib/layers/module.ts";
import {
  assertAllClose,
  randomInput,
  readOn,
  seededRandom,
  type Tolerance,
  webgpuSuite,
} from "./webgpu_helpers.ts";

/**
 * A block chains a few layers, so errors of a few ulps compound once or twice before the
 * comparison: 5e-5 of the scale, still far below what a wrong kernel moves (O(1)).
 */
const BLOCK_TOLERANCE: Tolerance = { rel: 5e-5, abs: 1e-6 };

const blocks: [string, () => Module, number[]][] = [
  ["ResidualBlock", () => new ResidualBlock({ channels: 4, seed: 1 }), [2, 6, 6, 4]],
  [
    "ResidualBlock without skip",
    () => new ResidualBlock({ channels: 4, skip: false, seed: 2 }),
    [2, 6, 6, 4],
  ],
  ["PreActResidualBlock", () => new PreActResidualBlock({ channels: 4, seed: 3 }), [3, 5, 5, 4]],
  [
    "BasicBlock with projection (stride 2, 4 -> 8)",
    () => new BasicBlock({ inChannels: 4, outChannels: 8, stride: 2, seed: 4 }),
    [2, 6, 6, 4],
  ],
  [
    "BasicBlock with identity skip",
    () => new BasicBlock({ inChannels: 4, outChannels: 4, seed: 5 }),
    [2, 5, 5, 4],
  ],
  [
    "BiasFreeConv2d",
    () =>
      new BiasFreeConv2d({
        inChannels: 3,
        outChannels: 5,
        kernelSize: 3,
        stride: 2,
        pad: 1,
        seed: 6,
      }),
    [2, 7, 7, 3],
  ],
  [
    "ConvNeXtBlock",
    () => new ConvNeXtBlock({ channels: 4, height: 6, width: 6, seed: 7 }),
    [2, 6, 6, 4],
  ],
  [
    "ConvNeXtDownsampler",
    () => new ConvNeXtDownsampler({ inChannels: 4, height: 6, width: 6, seed: 8 }),
    [2, 6, 6, 4],
  ],
];

webgpuSuite("webgpu blocks", () => {
  for (const [i, [name, build, shape]] of blocks.entries()) {
    Deno.test(
      `webgpu ${name}: training forward, parameter and input gradients, state match cpu`,
      async () => {
        const x = randomInput(seededRandom(500 + i), shape);
        const compute = () => {
          const block = build();
          const input = tf.variable(tf.tensor(x.values, shape));
          try {
            let dout: tf.Tensor | undefined;
            const names = Object.keys(block.params);
            const { value, grads } = tf.variableGrads(() => {
              const out = block.forward(input, { training: true });
              dout = tf.tensor(randomInput(seededRandom(600 + i), out.shape).values, out.shape);
              return tf.sum(tf.mul(out, dout));
            }, [input, ...names.map((n) => block.params[n])]);
            const result: Record<string, tf.Tensor> = { objective: value, dx: grads[input.name] };
            for (const n of names) result[`d ${n}`] = grads[block.params[n].name];
            for (const [n, v] of Object.entries(block.state ?? {})) {
              result[`state ${n}`] = tf.clone(v);
            }
            return result;
          } finally {
            input.dispose();
            disposeModule(block);
          }
        };
        assertAllClose(
          name,
          await readOn("webgpu", compute),
          await readOn("cpu", compute),
          BLOCK_TOLERANCE,
        );
      },
    );
  }
});
