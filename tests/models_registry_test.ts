import assert from "node:assert/strict";
import { buildModel, MODEL_IDS, MODEL_INPUT_SHAPES, modelId } from "../lib/models/registry.ts";
import { countParams } from "../lib/models/summary.ts";
import { useTestBackend } from "./helpers.ts";

await useTestBackend();

Deno.test("the registry lists the ids issue 5 names", () => {
  for (
    const id of [
      "three_layer_convnet",
      "mnist_fc",
      "mnist_cnn",
      "mnist_small_cnn",
      "mnist_pool_first",
      "mnist_pool_first_tanh",
      "mnist_resnet",
      "mnist_plain_deep",
      "mnist_resnet_bn",
      "convnext",
    ]
  ) {
    assert.ok(MODEL_IDS.includes(modelId(id)), id);
  }
});

Deno.test("buildModel builds each id for its default input; options override", () => {
  const small = buildModel("mnist_small_cnn", { seed: 1 });
  assert.equal(
    countParams(small.params),
    9 * 8 + 8 + 9 * 8 * 16 + 16 + 9 * 16 * 32 + 32 + 1568 * 10 + 10,
  );
  assert.deepEqual(MODEL_INPUT_SHAPES.mnist_small_cnn, [28, 28, 1]);
  small.dispose();
  // inputShape resizes the linear layer: 32x32 pooled twice is 8x8.
  const cifar = buildModel("mnist_small_cnn", { inputShape: [32, 32, 3] });
  assert.deepEqual(cifar.params["fc.W"].shape, [8 * 8 * 32, 10]);
  assert.deepEqual(cifar.params["conv1.W"].shape, [3, 3, 3, 8]);
  cifar.dispose();
  // three_layer_convnet takes inputShape too, as its inputDim.
  const overfit = buildModel("three_layer_convnet", { inputShape: [28, 28, 1], hiddenDim: 20 });
  assert.deepEqual(overfit.params.W2.shape, [14 * 14 * 32, 20]);
  assert.deepEqual(MODEL_INPUT_SHAPES.three_layer_convnet, [32, 32, 3]);
  overfit.dispose();
  assert.deepEqual(MODEL_INPUT_SHAPES.convnext, [32, 32, 3]);
});

Deno.test("an unknown id is an error that lists the accepted ids", () => {
  assert.throws(
    () => buildModel("resnet18" as "mnist_cnn"),
    new RegExp(
      `model id: got "resnet18"; expected one of ${MODEL_IDS.map((id) => `"${id}"`).join(", ")}`,
    ),
  );
});
