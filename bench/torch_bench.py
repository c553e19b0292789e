#!/usr/bin/env python3
"""PyTorch yardstick for `npm run bench`: the DMCL network timed on CPU.

Standalone (stdlib + torch). The network follows docs/method.md section 2, the loss
section 4, the optimiser the section 5 defaults (SGD, momentum 0.9, weight decay 5e-4).
Inputs and targets are random; only the timings mean anything.

    python3 bench/torch_bench.py --threads 1 --batch 64 --runs 3 --json

Training figures: for each of --runs runs, 2 warm-up steps and then --steps timed steps
(0 = choose the count so one run lasts about --run-seconds); the figure is the median.

Inference is timed twice: eager (what the fields without a suffix report) and frozen by
torch.jit.optimize_for_inference (the "_jit" fields). PyTorch 1.13 runs a batch-1 eager
3x3 conv on fewer than 20480 input values through im2col + BLAS rather than oneDNN, so
that figure depends on the BLAS loaded (field "blas"): Debian's reference libblas3 is
about ten times slower there than libopenblas0-openmp.
"""

import argparse
import json
import statistics
import sys
import time

import torch
from torch import nn

N_POINTS = 68
# 0-based indices of points 37-42 and 43-48 (the two eyes) in the 68-point scheme.
LEFT_EYE = list(range(36, 42))
RIGHT_EYE = list(range(42, 48))
WARMUP_STEPS = 2


def conv_bn_relu(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, stride=1, padding=1, bias=False),
        nn.BatchNorm2d(cout, eps=1e-5),
        nn.ReLU(inplace=True),
    )


def pool():
    return nn.MaxPool2d(2, 2, ceil_mode=True)


class Dmcl(nn.Module):
    """Grey 1x50x50 crop -> 2n coordinates (x1, y1, x2, y2, ...)."""

    def __init__(self, n_points=N_POINTS):
        super().__init__()
        # Front: conv11..conv32, the six convs frozen in the first fine-tuning step.
        self.front = nn.Sequential(
            conv_bn_relu(1, 32), conv_bn_relu(32, 32), pool(),  # 32x25x25
            conv_bn_relu(32, 64), conv_bn_relu(64, 64), pool(),  # 64x13x13
            conv_bn_relu(64, 96), conv_bn_relu(96, 96), pool(),  # 96x7x7
        )
        self.back = nn.Sequential(
            conv_bn_relu(96, 128), conv_bn_relu(128, 128), conv_bn_relu(128, 1024),
        )
        self.spl = nn.Linear(1024, 2 * n_points)
        for m in self.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.normal_(m.weight, std=0.01)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)

    def forward(self, x):
        x = self.back(self.front(x))
        return self.spl(x.mean(dim=(2, 3)))


def dmcl_loss(pred, target, weights):
    """Eye-distance-normalised weighted squared error, averaged over the batch."""
    b = pred.shape[0]
    p = pred.view(b, -1, 2)
    g = target.view(b, -1, 2)
    d = g[:, LEFT_EYE].mean(dim=1) - g[:, RIGHT_EYE].mean(dim=1)
    d2 = (d * d).sum(dim=1)
    err = (((p - g) ** 2).sum(dim=2) * weights).sum(dim=1)
    return (err / (2 * d2)).mean()


def random_batch(batch, gen):
    x = torch.rand(batch, 1, 50, 50, generator=gen) * 2 - 1
    # Points scattered over the crop, eyes pulled apart so d is about 20 crop pixels.
    g = torch.rand(batch, N_POINTS, 2, generator=gen) * 20 + 15
    g[:, LEFT_EYE, 0] -= 10
    g[:, RIGHT_EYE, 0] += 10
    return x, g.view(batch, -1)


def make_trainer(frozen, batch, lr, seed):
    torch.manual_seed(seed)
    net = Dmcl()
    net.train()
    if frozen:
        net.front.eval()
        for p in net.front.parameters():
            p.requires_grad_(False)
    params = [p for p in net.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=lr, momentum=0.9, weight_decay=5e-4)
    gen = torch.Generator().manual_seed(seed)
    x, g = random_batch(batch, gen)
    u = torch.ones(N_POINTS)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = dmcl_loss(net(x), g, u)
        loss.backward()
        opt.step()
        return loss.item()

    return step


def time_training(frozen, args):
    step = make_trainer(frozen, args.batch, args.lr, args.seed)
    per_step = []
    for _ in range(WARMUP_STEPS):
        t0 = time.perf_counter()
        loss = step()
        per_step.append(time.perf_counter() - t0)
    steps = args.steps
    if steps <= 0:
        steps = max(1, round(args.run_seconds / min(per_step)))
    rates = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        for _ in range(steps):
            loss = step()
        rates.append(steps * args.batch / (time.perf_counter() - t0))
    return statistics.median(rates), rates, steps, loss


def blas_library():
    """The BLAS shared object this process loaded (eager batch-1 convs go through it)."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "/libblas" in line}
    except OSError:
        return "unknown"
    return ",".join(sorted(libs)) or "none (static or unknown)"


def time_calls(fn, x, calls, warmup):
    for _ in range(warmup):
        fn(x)
    sec = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn(x)
        sec.append(time.perf_counter() - t0)
    return statistics.median(sec)


def time_inference(args):
    """Eager eval-mode net, and the same net frozen by torch.jit.optimize_for_inference
    (batch norm folded, oneDNN layouts kept between layers): (ms batch 1, faces/s)."""
    torch.manual_seed(args.seed)
    net = Dmcl().eval()
    gen = torch.Generator().manual_seed(args.seed + 1)
    x1 = torch.rand(1, 1, 50, 50, generator=gen) * 2 - 1
    xb = torch.rand(args.batch, 1, 50, 50, generator=gen) * 2 - 1
    batch_calls = max(5, args.runs)
    with torch.inference_mode():
        eager = (time_calls(net, x1, args.infer_calls, 5) * 1e3,
                 args.batch / time_calls(net, xb, batch_calls, 2))
    with torch.no_grad():
        jit = torch.jit.optimize_for_inference(torch.jit.script(net))
        jitted = (time_calls(jit, x1, args.infer_calls, 5) * 1e3,
                  args.batch / time_calls(jit, xb, batch_calls, 2))
    return eager, jitted


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--threads", type=int, default=1, help="intra-op threads")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--runs", type=int, default=3, help="timed runs per training figure")
    ap.add_argument("--steps", type=int, default=0,
                    help="timed steps per run; 0 = about --run-seconds per run")
    ap.add_argument("--run-seconds", type=float, default=4.0)
    ap.add_argument("--infer-calls", type=int, default=50)
    ap.add_argument("--lr", type=float, default=1e-2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    t_start = time.perf_counter()

    train, train_runs, train_steps, train_loss = time_training(False, args)
    frozen, frozen_runs, frozen_steps, frozen_loss = time_training(True, args)
    (infer_ms, infer_rate), (jit_ms, jit_rate) = time_inference(args)

    out = {
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "runs": args.runs,
        "train_faces_per_s": round(train, 2),
        "train_frozen_faces_per_s": round(frozen, 2),
        "infer_ms_batch1": round(infer_ms, 3),
        "infer_faces_per_s_batch64": round(infer_rate, 2),
        "infer_ms_batch1_jit": round(jit_ms, 3),
        "infer_faces_per_s_batch64_jit": round(jit_rate, 2),
        "blas": blas_library(),
        "train_faces_per_s_best": round(max(train_runs), 2),
        "train_frozen_faces_per_s_best": round(max(frozen_runs), 2),
        "train_steps_per_run": train_steps,
        "train_frozen_steps_per_run": frozen_steps,
        "train_runs_faces_per_s": [round(r, 2) for r in train_runs],
        "train_frozen_runs_faces_per_s": [round(r, 2) for r in frozen_runs],
        "final_loss": round(train_loss, 4),
        "final_frozen_loss": round(frozen_loss, 4),
        "wall_s": round(time.perf_counter() - t_start, 1),
    }
    if args.batch != 64:
        for key in ("infer_faces_per_s_batch64", "infer_faces_per_s_batch64_jit"):
            out[key.replace("64", str(args.batch))] = out.pop(key)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print("%-32s %s" % (k, v))
    return 0


if __name__ == "__main__":
    sys.exit(main())
