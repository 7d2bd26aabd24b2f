"""Side-by-side benchmark: the Demo 4 network in deel-torchlip 1.0.5 on PyTorch CPU, and the same network
unconstrained (plain torch Conv2d/Linear), in one process: what `pnpm bench` compares lipnet with.

A measurement tool: CI never runs it and it asserts nothing about time.

Usage (from the repo root, after `bash tools/reference/setup_torch.sh`):
    tools/reference/.venv-torch/bin/python tools/reference/bench_torchlip.py --out /tmp/torchlip.json
Options: --batch 4096 --steps 5 --warmup 2 --data fashion|random --threads N (torch.set_num_threads;
0 keeps torch's default, one per core) --no-epoch.

The network is bench_deel_lip.py's, channels first: SpectralConv2d(1→16, 3×3, padding 1) → GroupSort2 →
ScaledL2NormPool2d(2) → SpectralConv2d(16→32) → GroupSort2 → ScaledL2NormPool2d(2) → Flatten →
SpectralLinear(1568→64) → GroupSort2 → FrobeniusLinear(64→10, no bias); torchlip's defaults (spectral norm
and Björck on every training forward). The unconstrained twin replaces the four Lipschitz layers by torch's
Conv2d/Linear (same shapes, same activations and poolings). Loss: torchlip's HKRMulticlassLoss(alpha=100/101,
min_margin=0.5), deel-lip's MulticlassHKR(alpha=100) with torchlip's convex α; Adam(1e-4); batch 4096.
Per network: `train` time per step on one fixed batch (warm-up excluded), the epoch that implies
(60,000 / batch steps), and (unless --no-epoch) one real epoch over the shuffled training set.
Writes one JSON object to --out and prints it.
"""
import argparse
import json
import os
import platform
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_deel_lip import load_data  # noqa: E402  (numpy only; TensorFlow is not imported)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", required=True, help="path of the JSON result")
    p.add_argument("--batch", type=int, default=4096)
    p.add_argument("--steps", type=int, default=5, help="timed steps")
    p.add_argument("--warmup", type=int, default=2, help="untimed steps first")
    p.add_argument("--data", choices=["fashion", "random"], default="fashion")
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads, 0 = torch's default")
    p.add_argument("--no-epoch", action="store_true")
    return p.parse_args()


def networks():
    import torch
    import deel.torchlip as tl

    lip = tl.Sequential(
        tl.SpectralConv2d(1, 16, 3, padding=1), tl.GroupSort2(), tl.ScaledL2NormPool2d(2),
        tl.SpectralConv2d(16, 32, 3, padding=1), tl.GroupSort2(), tl.ScaledL2NormPool2d(2),
        torch.nn.Flatten(), tl.SpectralLinear(1568, 64), tl.GroupSort2(), tl.FrobeniusLinear(64, 10, bias=False),
    )
    plain = torch.nn.Sequential(
        torch.nn.Conv2d(1, 16, 3, padding=1), tl.GroupSort2(), tl.ScaledL2NormPool2d(2),
        torch.nn.Conv2d(16, 32, 3, padding=1), tl.GroupSort2(), tl.ScaledL2NormPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(1568, 64), tl.GroupSort2(), torch.nn.Linear(64, 10, bias=False),
    )
    return {"torchlip": lip, "unconstrained": plain}


def time_network(model, x_train, y_train, args):
    import torch
    import deel.torchlip as tl

    loss_fn = tl.HKRMulticlassLoss(alpha=100 / 101, min_margin=0.5)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    model.train()

    def step(xb, yb):
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        opt.step()
        return float(loss)

    xb, yb = x_train[: args.batch], y_train[: args.batch]
    for _ in range(args.warmup):
        step(xb, yb)
    times, cpu = [], []
    for _ in range(args.steps):
        t0, c0 = time.perf_counter(), time.process_time()
        step(xb, yb)
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    med = statistics.median(times)
    out = {
        "msPerStep": 1000 * med, "cpuMsPerStep": 1000 * statistics.median(cpu), "stepSeconds": times,
        "epochSecondsFromStep": len(x_train) / args.batch * med,
        "params": int(sum(p.numel() for p in model.parameters())),
    }
    if not args.no_epoch:
        perm = torch.randperm(len(x_train))
        t0 = time.perf_counter()
        for i in range(0, len(x_train), args.batch):
            idx = perm[i : i + args.batch]
            step(x_train[idx], y_train[idx])
        out["epochSeconds"] = time.perf_counter() - t0
    return out


def main():
    args = parse_args()
    import numpy as np
    import torch
    import deel.torchlip as tl

    if args.threads > 0:
        torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    load_start = os.getloadavg()
    x_train, y_train, _, _, _, _, source = load_data(args.data)
    # load_data returns NHWC float images in [0, 1] and one-hot labels: torch wants NCHW.
    x = torch.tensor(np.ascontiguousarray(np.transpose(x_train, (0, 3, 1, 2))), dtype=torch.float32)
    y = torch.tensor(y_train, dtype=torch.float32)
    result = {
        "tool": "tools/reference/bench_torchlip.py",
        "deelTorchlip": getattr(tl, "__version__", "1.0.5"), "torch": torch.__version__,
        "python": platform.python_version(), "threads": torch.get_num_threads(), "cpuCount": os.cpu_count(),
        "data": source, "batch": args.batch, "loss": "HKRMulticlassLoss(alpha=100/101, min_margin=0.5)",
        "optimizer": "Adam(1e-4)", "loadAverageStart": list(load_start),
    }
    for name, model in networks().items():
        result[name] = time_network(model, x, y, args)
        print("%s: %.2f s/step, %.1f s/epoch" % (name, result[name]["msPerStep"] / 1000,
              result[name].get("epochSeconds", result[name]["epochSecondsFromStep"])), file=sys.stderr)
    result["loadAverageEnd"] = list(os.getloadavg())
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
