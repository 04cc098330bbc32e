"""PyTorch side of `deno task bench`: one full training step of a bench model, timed.

Runs one model at one thread count and prints one JSON line:
  {"model", "threads", "batch", "params", "ms_per_step", "ms_all", "cpu_ms_per_step",
   "peak_rss_bytes", "torch", "blas"}
ms_per_step is the median over `--reps` steps after `--warmup` steps (each phase lasting
at least `--min-seconds`, up to 1000 steps, as on the nnlab side); a step is
zero_grad, forward, softmax cross-entropy, backward, optimizer step, the same work as
the nnlab side (bench/models.ts). Shapes, batch sizes and update rules match it; torch
keeps its own layout (NCHW) and default initialisation, which do not change the work.

Usage: python3 bench/torch_step.py --model mnist_cnn --threads 1 --reps 10 --warmup 3
"""

import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


class ResidualBN(nn.Module):
    """x + conv3x3(relu(bn(x))), channels kept: variation (h) of exp:mnist-variations."""

    def __init__(self, channels):
        super().__init__()
        self.bn = nn.BatchNorm2d(channels)
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x):
        return x + self.conv(F.relu(self.bn(x)))


class ConvNeXtBlock(nn.Module):
    """depthwise 7x7 -> LayerNorm [C,H,W] -> 1x1 to 4C -> GELU -> 1x1 to C, plus input."""

    def __init__(self, channels, size):
        super().__init__()
        self.dw = nn.Conv2d(channels, channels, 7, padding=3, groups=channels)
        self.norm = nn.LayerNorm([channels, size, size])
        self.expand = nn.Conv2d(channels, 4 * channels, 1)
        self.project = nn.Conv2d(4 * channels, channels, 1)

    def forward(self, x):
        return x + self.project(F.gelu(self.expand(self.norm(self.dw(x)))))


class ConvNeXt(nn.Module):
    """exp:convnext: stem 1x1 3->32 + LN, 4 stages x 2 blocks, LN + 2x2/2 conv between."""

    def __init__(self, width=32, size=32, stages=4, depth=2, classes=10):
        super().__init__()
        layers = [nn.Conv2d(3, width, 1), nn.LayerNorm([width, size, size])]
        for stage in range(stages):
            if stage > 0:
                layers += [nn.LayerNorm([width, size, size]), nn.Conv2d(width, 2 * width, 2, stride=2)]
                width, size = 2 * width, size // 2
            layers += [ConvNeXtBlock(width, size) for _ in range(depth)]
        self.features = nn.Sequential(*layers)
        self.head_norm = nn.LayerNorm(width)
        self.head = nn.Linear(width, classes)

    def forward(self, x):
        x = self.features(x).mean(dim=(2, 3))
        return self.head(self.head_norm(x))


def small_cnn(blocks_per_conv=0):
    """exp:mnist-variations (b); with blocks, (h): 3 residual BN blocks after each conv."""
    layers = []
    for i, (cin, cout) in enumerate([(1, 8), (8, 16), (16, 32)]):
        layers.append(nn.Conv2d(cin, cout, 3, padding=1))
        layers += [ResidualBN(cout) for _ in range(blocks_per_conv)]
        layers.append(nn.ReLU())
        if i < 2:
            layers.append(nn.MaxPool2d(2))
    return nn.Sequential(*layers, nn.Flatten(), nn.Linear(1568, 10))


def fc_net():
    """FullyConnectedNet hidden [100] x 5 on 3072 inputs, ReLU."""
    dims = [3072] + [100] * 5
    layers = []
    for a, b in zip(dims, dims[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(100, 10))


def mnist_cnn():
    """exp:cnn: conv 1->32 3x3, relu, pool 2, conv 32->64 3x3, relu, pool 2, linear 1600->10."""
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(1600, 10),
    )


# name -> (model factory, input shape without batch, batch, optimizer factory)
MODELS = {
    "fcnet": (fc_net, (3072,), 100, lambda p: torch.optim.Adam(p, lr=1e-3)),
    "mnist_cnn": (mnist_cnn, (1, 28, 28), 64, lambda p: torch.optim.SGD(p, lr=1e-2)),
    "mnist_small_cnn": (small_cnn, (1, 28, 28), 128, lambda p: torch.optim.SGD(p, lr=1e-2)),
    "mnist_resnet_bn": (
        lambda: small_cnn(3), (1, 28, 28), 128, lambda p: torch.optim.SGD(p, lr=1e-2)),
    "convnext": (
        ConvNeXt, (3, 32, 32), 128,
        lambda p: torch.optim.SGD(p, lr=1e-3, weight_decay=1e-2)),
}


def blas_libraries():
    """The BLAS (or MKL) shared libraries this process mapped, comma-separated; None when
    none is found or the platform has no /proc/self/maps. Debian's torch links the
    generic libblas.so.3, which update-alternatives points at netlib's reference BLAS or
    at OpenBLAS: this says which one Linear's matrix products ran on."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
    except OSError:
        return None
    found = sorted(p for p in paths if "blas" in p.lower() or "mkl" in p.lower())
    return ", ".join(found) or None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--reps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--min-seconds", type=float, default=0.0,
                        help="warm up and time for at least this long each")
    parser.add_argument("--batch", type=int, help="override the model's batch size")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    build, shape, batch, optimizer_for = MODELS[args.model]
    batch = args.batch or batch
    model = build()
    model.train()
    optimizer = optimizer_for(model.parameters())
    x = torch.randn(batch, *shape)
    y = torch.randint(0, 10, (batch,))

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    def enough(done, minimum, since):
        return done >= minimum and (time.perf_counter() - since >= args.min_seconds or done >= 1000)

    done, since = 0, time.perf_counter()
    while not enough(done, args.warmup, since):
        step()
        done += 1
    times, cpu_times = [], []
    since = time.perf_counter()
    while not enough(len(times), args.reps, since):
        start, cpu_start = time.perf_counter(), time.process_time()
        step()
        times.append((time.perf_counter() - start) * 1000)
        cpu_times.append((time.process_time() - cpu_start) * 1000)
    print(json.dumps({
        "model": args.model,
        "threads": torch.get_num_threads(),
        "batch": batch,
        "params": sum(p.numel() for p in model.parameters()),
        "ms_per_step": statistics.median(times),
        "ms_all": times,
        # CPU time of the process (all threads) per step: what the step costs when the
        # process has the cores to itself.
        "cpu_ms_per_step": statistics.median(cpu_times),
        # ru_maxrss is in kibibytes on Linux; the whole process, torch's libraries included.
        "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "torch": torch.__version__,
        # The BLAS and math libraries the process mapped (Linux): which BLAS Linear used.
        "blas": blas_libraries(),
    }))


if __name__ == "__main__":
    main()
