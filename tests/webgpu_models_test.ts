/**
 * One training step of every model nnlab trains, on webgpu against cpu: every model id
 * of lib/models/registry.ts (at small sizes), FullyConnectedNet with batchnorm and
 * dropout and with layernorm, and ThreeLayerConvNet. A step is the Solver's: the loss
 * and every gradient through tf.variableGrads (no synchronous read: `model.loss` reads
 * the loss with dataSync, which webgpu cannot do under Deno), then an update rule of
 * lib/optim.ts on every parameter. The rules are spread over the models so that each
 * rule runs once. Compared: loss, gradients, the updated parameters, the rule's state and
 * the model's state (batchnorm running statistics).
 */
import * as tf from "@tensorflow/tfjs";
import { FullyConnectedNet } from "../lib/models/fc_net.ts";
import { type ModelId, type ModelOptionsById, MODELS } from "../lib/models/table.ts";
import { ThreeLayerConvNet } from "../lib/models/three_layer_convnet.ts";
import { type OptimConfig, updateRule } from "../lib/train/optim.ts";
import {
  assertAllClose,
  randomInput,
  readOn,
  seededRandom,
  type Tolerance,
  webgpuSuite,
} from "./webgpu_helpers.ts";

/** What a step needs of a model: its parameters, state and training objective. */
interface Trainable {
  readonly params: Record<string, tf.Variable>;
  readonly state?: Record<string, tf.Variable>;
  objective(X: tf.Tensor, y: tf.Tensor1D): tf.Scalar;
  dispose(): void;
}

interface ModelCase {
  name: string;
  build: () => Trainable;
  /** One example's shape. */
  inputShape: number[];
  rule: string;
}

/** The table's layered models (fc_net has its own cases below). */
type LayeredId = Exclude<ModelId, "fc_net">;

/** Table models at test sizes: small channels and images, one block per stage. */
const small: {
  [Id in LayeredId]: ModelOptionsById[Id] & { inputShape?: [number, number, number] };
} = {
  three_layer_convnet: { inputShape: [8, 8, 3], numFilters: 4, filterSize: 3, hiddenDim: 10 },
  mnist_fc: { inputShape: [8, 8, 1], hiddenDims: [12, 12] },
  mnist_cnn: { inputShape: [12, 12, 1], channels: [4, 6] },
  mnist_small_cnn: { inputShape: [8, 8, 1], channels: [4, 4, 4] },
  mnist_pool_first: { inputShape: [8, 8, 1], channels: [4, 4, 4] },
  mnist_pool_first_tanh: { inputShape: [8, 8, 1], channels: [4, 4, 4] },
  mnist_resnet: { inputShape: [8, 8, 1], channels: [4, 4, 4], blocksPerConv: 1 },
  mnist_plain_deep: { inputShape: [8, 8, 1], channels: [4, 4, 4], blocksPerConv: 1 },
  mnist_resnet_bn: { inputShape: [8, 8, 1], channels: [4, 4, 4], blocksPerConv: 1 },
  convnext: { inputShape: [8, 8, 3], filters: 4, stages: 2, blocksPerStage: 1 },
};

const RULES: Record<LayeredId, string> = {
  three_layer_convnet: "sgd",
  mnist_fc: "sgd_momentum",
  mnist_cnn: "nesterov",
  mnist_small_cnn: "rmsprop",
  mnist_pool_first: "adagrad",
  mnist_pool_first_tanh: "adam",
  mnist_resnet: "adamw",
  mnist_plain_deep: "sgd",
  mnist_resnet_bn: "adam",
  convnext: "adamw",
};

/** Each table model's factory, imported from the module the table names. */
const factories = Object.fromEntries(
  await Promise.all(
    (Object.keys(small) as LayeredId[]).map(async (id) => [
      id,
      (await import(MODELS[id].module))[MODELS[id].factory] as (options: unknown) => Trainable,
    ]),
  ),
) as Record<LayeredId, (options: unknown) => Trainable>;

const cases: ModelCase[] = [
  ...(Object.keys(small) as LayeredId[]).map((id) => ({
    name: id,
    build: () => factories[id]({ ...small[id], seed: 3 }),
    inputShape: small[id].inputShape!,
    rule: RULES[id],
  })),
  {
    name: "FullyConnectedNet batchnorm + dropout",
    build: () =>
      new FullyConnectedNet({
        hiddenDims: [10, 8],
        inputDim: 12,
        normalization: "batchnorm",
        dropoutKeepProb: 0.7,
        reg: 1e-2,
        seed: 4,
      }),
    inputShape: [12],
    rule: "adam",
  },
  {
    name: "FullyConnectedNet layernorm",
    build: () =>
      new FullyConnectedNet({ hiddenDims: [10, 8], inputDim: 12, normalization: "layernorm" }),
    inputShape: [12],
    rule: "sgd_momentum",
  },
  {
    name: "ThreeLayerConvNet",
    build: () =>
      new ThreeLayerConvNet({
        inputDim: [8, 8, 3],
        numFilters: 4,
        filterSize: 3,
        hiddenDim: 10,
        weightScale: 1e-1,
        reg: 1e-3,
      }),
    inputShape: [8, 8, 3],
    rule: "rmsprop",
  },
];

/**
 * Hyper-parameters of the step. The adaptive rules divide by sqrt(v) + epsilon; with
 * cs231n's epsilon 1e-8 the first step is learningRate * sign(g) wherever |g| >> 1e-8, so a
 * gradient within rounding of zero (a bias behind a dead relu) could move a whole step
 * either way between backends. epsilon 1e-3 keeps the step a smooth function of g.
 */
const CONFIG: OptimConfig = { learningRate: 1e-2, epsilon: 1e-3 };

/**
 * Gradients pass through a whole network (up to ~20 ops deep), each adding a few ulps:
 * 1e-4 of each tensor's scale, against O(1) for a wrong kernel or formula.
 */
const MODEL_TOLERANCE: Tolerance = { rel: 1e-4, abs: 1e-6 };

const N = 4;

webgpuSuite("webgpu models", () => {
  for (const [i, c] of cases.entries()) {
    Deno.test(
      `webgpu ${c.name}: one ${c.rule} step (loss, gradients, updated parameters, state) matches cpu`,
      async () => {
        const X = randomInput(seededRandom(700 + i), [N, ...c.inputShape]);
        const labels = Int32Array.from({ length: N }, (_, k) => (3 * k + i) % 10);
        const rule = updateRule(c.rule);
        const compute = () => {
          const model = c.build();
          try {
            const x = tf.tensor(X.values, X.shape);
            const y = tf.tensor1d(labels, "int32");
            const names = Object.keys(model.params);
            const { value, grads } = tf.variableGrads(
              () => model.objective(x, y),
              names.map((n) => model.params[n]),
            );
            const result: Record<string, tf.Tensor> = { loss: value };
            for (const n of names) {
              const dw = grads[model.params[n].name];
              result[`d ${n}`] = dw;
              const [nextW, config] = rule(model.params[n], dw, { ...CONFIG });
              model.params[n].assign(nextW);
              result[`next ${n}`] = tf.clone(model.params[n]);
              for (const key of ["velocity", "cache", "m", "v"] as const) {
                if (config[key]) result[`${key} ${n}`] = config[key]!;
              }
            }
            for (const [n, v] of Object.entries(model.state ?? {})) {
              result[`state ${n}`] = tf.clone(v);
            }
            return result;
          } finally {
            model.dispose();
          }
        };
        assertAllClose(
          c.name,
          await readOn("webgpu", compute),
          await readOn("cpu", compute),
          MODEL_TOLERANCE,
        );
      },
    );
  }
});
