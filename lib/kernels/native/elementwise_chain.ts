/**
 * A chain of elementwise float32 operations over same-size vectors (and scalars) as one
 * oneDNN binary primitive with post-ops: one pass over memory for what tf ops do in as
 * many passes and kernel calls as there are operations.
 *
 * oneDNN applies post-ops in float32 registers, one instruction per operation, so each
 * intermediate is rounded to float32 exactly as a separate kernel would round it: the
 * chain gives the bits of the unfused operations. (So eltwise `linear` is used only as a
 * negation, alpha -1 and beta 0, where a fused multiply-add rounds the same.)
 *
 * @module
 */
import { ARG } from "./abi.ts";
import { binaryDesc } from "./descriptors.ts";
import { primitives } from "./kernel_util.ts";
import { memoryDesc, plain } from "./memory_desc.ts";
import { type Data, type PostOp, postOpSrc1Arg, Primitive } from "./primitive.ts";

/** A step after the first operation: binary with a vector or a scalar, or eltwise. */
export type ChainStep =
  | { binary: number; with: Float32Array<ArrayBuffer> }
  | { eltwise: number; alpha?: number; beta?: number };

/**
 * `out = steps(binary(a, b))`, every operand of length `out.length` or 1 (a scalar,
 * broadcast). `a` must have the full length.
 *
 * @example
 * ```ts
 * import { ALG } from "./abi.ts";
 * const w = new Float32Array(1000).fill(1), g = new Float32Array(1000).fill(2);
 * const out = new Float32Array(1000);
 * // w - 0.1 g, rounded like tf.sub(w, tf.mul(0.1, g)):
 * runChain({ binary: ALG.binaryMul, a: g, b: scalar(0.1) },
 *   [{ binary: ALG.binarySub, with: w }, { eltwise: ALG.eltwiseLinear, alpha: -1 }], out);
 * ```
 */
export function runChain(
  first: { binary: number; a: Float32Array<ArrayBuffer>; b: Float32Array<ArrayBuffer> },
  steps: ChainStep[],
  out: Float32Array<ArrayBuffer>,
): void {
  const n = out.length;
  const shape = (v: Float32Array) => (v.length === 1 ? 1 : n);
  const key = `chain ${n} ${first.binary} ${shape(first.b)} ` +
    steps.map((
      s,
    ) => ("binary" in s
      ? `b${s.binary}:${shape(s.with)}`
      : `e${s.eltwise}:${s.alpha ?? 0}:${s.beta ?? 0}`)
    ).join(" ");
  const primitive = primitives.get(key, () => {
    const full = memoryDesc(plain([n]));
    const one = memoryDesc(plain([1]));
    const md = (v: Float32Array) => (v.length === 1 ? one : full);
    const postOps: PostOp[] = steps.map((s) =>
      "binary" in s
        ? { binary: s.binary, src1: md(s.with) }
        : { alg: s.eltwise, alpha: s.alpha, beta: s.beta }
    );
    return new Primitive(binaryDesc(first.binary, full, md(first.b), full), {
      operands: [
        { arg: ARG.src, desc: full },
        { arg: ARG.src1, desc: md(first.b) },
        { arg: ARG.dst, desc: full, output: true },
        ...steps.flatMap((
          s,
          i,
        ) => ("binary" in s ? [{ arg: postOpSrc1Arg(i), desc: md(s.with) }] : [])),
      ],
      postOps,
    });
  });
  const data: Data[] = [first.a, first.b, out];
  for (const s of steps) if ("binary" in s) data.push(s.with);
  primitive.run(data);
}

/**
 * A one-element float32 vector holding `value` rounded to float32, as tfjs makes a
 * scalar tensor of a JavaScript number.
 *
 * @example
 * ```ts
 * scalar(0.9); // Float32Array [0.8999999761581421]
 * ```
 */
export function scalar(value: number): Float32Array<ArrayBuffer> {
  return Float32Array.of(value);
}
