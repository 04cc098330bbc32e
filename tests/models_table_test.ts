import assert from "node:assert/strict";
import { fullyConnectedNet } from "../lib/models/fc_net.ts";
import { MNIST_NETS } from "../lib/models/mnist_nets.ts";
import { Sequential } from "../lib/models/sequential.ts";
import { countParams } from "../lib/models/summary.ts";
import { loadModel, MODEL_IDS, modelId, MODELS } from "../lib/models/table.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("every table entry names a module that exports its factory", async () => {
  for (const id of MODEL_IDS) {
    const module = await import(MODELS[id].module);
    assert.equal(typeof module[MODELS[id].factory], "function", `${id}: ${MODELS[id].factory}`);
  }
  // The MNIST entries are the nets mnist_nets.ts exports by id.
  for (const id of Object.keys(MNIST_NETS)) {
    const module = await import(MODELS[modelId(id)].module);
    assert.equal(module[MODELS[modelId(id)].factory], MNIST_NETS[id as keyof typeof MNIST_NETS]);
  }
});

Deno.test("loadModel builds each id for its default input; options override", async () => {
  const small = await loadModel("mnist_small_cnn", { seed: 1 });
  assert.equal(
    countParams(small.params),
    9 * 8 + 8 + 9 * 8 * 16 + 16 + 9 * 16 * 32 + 32 + 1568 * 10 + 10,
  );
  assert.deepEqual(MODELS.mnist_small_cnn.inputShape, [28, 28, 1]);
  small.dispose?.();
  // inputShape resizes the linear layer: 32x32 pooled twice is 8x8.
  const cifar = await loadModel("mnist_small_cnn", { inputShape: [32, 32, 3] });
  assert.deepEqual(cifar.params["fc.W"].shape, [8 * 8 * 32, 10]);
  assert.deepEqual(cifar.params["conv1.W"].shape, [3, 3, 3, 8]);
  cifar.dispose?.();
  // three_layer_convnet takes inputShape too, as its inputDim.
  const overfit = await loadModel("three_layer_convnet", {
    inputShape: [28, 28, 1],
    hiddenDim: 20,
  });
  assert.ok(overfit instanceof Sequential);
  assert.deepEqual(overfit.params.W2.shape, [14 * 14 * 32, 20]);
  overfit.dispose?.();
  // fc_net flattens its input shape.
  const fc = await loadModel("fc_net", { hiddenDims: [7], inputShape: [28, 28, 1], seed: 0 });
  assert.deepEqual(fc.params.W1.shape, [784, 7]);
  assert.deepEqual(fc.params.W2.shape, [7, 10]);
  fc.dispose?.();
  assert.deepEqual(fullyConnectedNet({ hiddenDims: [3], inputShape: [2, 2, 1] }).params.W1.shape, [
    4,
    3,
  ]);
});

Deno.test("an unknown id is an error that lists the accepted ids", async () => {
  await assert.rejects(
    () => loadModel("resnet18" as "mnist_cnn"),
    new RegExp(
      `model id: got "resnet18"; expected one of ${MODEL_IDS.map((id) => `"${id}"`).join(", ")}`,
    ),
  );
});
