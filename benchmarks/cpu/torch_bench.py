"""PyTorch side of the CPU benchmark suite (benchmarks/cpu/run.ts runs it).

Runs the same workloads as the TypeScript side and prints one JSON object per line:
{"workload": ..., "metric": ..., "value": ..., "samples": [...]}. With --export-onnx DIR it
instead writes the ONNX models onnxruntime-node runs (same architectures, seeded weights).

Set OPENBLAS_NUM_THREADS before starting Python (the caller does); --threads sets torch's.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


def emit(workload, metric, value, samples=None, note=None):
    row = {"workload": workload, "metric": metric, "value": value}
    if samples is not None:
        row["samples"] = samples
    if note:
        row["note"] = note
    print(json.dumps(row), flush=True)


# "cpu": this process's CPU time (robust when other jobs share the machine; single thread only).
CLOCK = time.perf_counter


def time_calls(fn, warmup=2, min_runs=5, max_runs=50, budget_ms=3000.0):
    for _ in range(warmup):
        fn()
    samples = []
    start = time.perf_counter()
    while len(samples) < max_runs and (len(samples) < min_runs or (time.perf_counter() - start) * 1000 < budget_ms):
        t0 = CLOCK()
        fn()
        samples.append(max((CLOCK() - t0) * 1000, 1e-3))
    return samples


# ---- models (mirrored in models.ts) -----------------------------------------------------------

def mlp():
    return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(64 * 5 * 5, 128), nn.ReLU(), nn.Linear(128, 10),
    )


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = None
        if stride != 1 or cin != cout:
            self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return F.relu(y + identity)


class ResNet18(nn.Module):
    def __init__(self, classes=1000):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        blocks = []
        cin = 64
        for cout, stride in [(64, 1), (128, 2), (256, 2), (512, 2)]:
            blocks += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        self.layers = nn.Sequential(*blocks)
        self.fc = nn.Linear(512, classes)

    def forward(self, x):
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        x = self.layers(x)
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class LstmLM(nn.Module):
    def __init__(self, vocab=5000, embed=100, hidden=150):
        super().__init__()
        self.embedding = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden)
        self.out = nn.Linear(hidden, vocab)

    def forward(self, tokens):  # tokens [T, B]
        y, _ = self.lstm(self.embedding(tokens))
        return self.out(y)


# ---- workloads ----------------------------------------------------------------------------------

def w1():
    for n in (256, 1024, 2048):
        a = torch.randn(n, n)
        b = torch.randn(n, n)
        out = torch.empty(n, n)
        s = time_calls(lambda: torch.matmul(a, b, out=out), budget_ms=3000 if n < 2048 else 6000, min_runs=3)
        emit(f"matmul fp32 N={n}", "GFLOP/s", 2 * n**3 / statistics.median(s) / 1e6, [2 * n**3 / x / 1e6 for x in s])
    n = 1 << 22
    a = torch.randn(n)
    b = torch.randn(n)
    out = torch.empty(n)
    s = time_calls(lambda: torch.add(a, b, out=out))
    emit("add fp32 4M elements", "GB/s", 12 * n / statistics.median(s) / 1e6, [12 * n / x / 1e6 for x in s])
    s = time_calls(lambda: a.sum())
    emit("sum fp32 4M elements", "GB/s", 4 * n / statistics.median(s) / 1e6, [4 * n / x / 1e6 for x in s])


def train_step(model, optimizer, x, y, loss_fn):
    def step():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
    return step


def w2():
    model = mlp()
    opt = torch.optim.RMSprop(model.parameters(), lr=1e-3)
    x = torch.randn(128, 784)
    y = torch.randint(0, 10, (128,))
    s = time_calls(train_step(model, opt, x, y, F.cross_entropy), warmup=5, min_runs=20)
    emit("MLP 784-512-10, batch 128, RMSprop", "ms/step", statistics.median(s), s)


def w3():
    model = cnn()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(64, 1, 28, 28)
    y = torch.randint(0, 10, (64,))
    s = time_calls(train_step(model, opt, x, y, F.cross_entropy), warmup=3, min_runs=10)
    emit("CNN [64,1,28,28], SGD momentum", "ms/step", statistics.median(s), s)


def w4():
    with torch.no_grad():
        model = cnn().eval()
        x = torch.randn(64, 1, 28, 28)
        s = time_calls(lambda: model(x), min_runs=10, max_runs=400)  # as W4_CNN_TIMING in workloads.ts
        emit("CNN forward, batch 64", "images/s", 64 * 1000 / statistics.median(s), [64000 / v for v in s])
        model = ResNet18().eval()
        x = torch.randn(1, 3, 224, 224)
        s = time_calls(lambda: model(x), min_runs=10, budget_ms=5000)
        emit("ResNet-18 forward, [1,3,224,224]", "images/s", 1000 / statistics.median(s), [1000 / v for v in s])


def w5():
    model = LstmLM()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    tokens = torch.randint(0, 5000, (34, 32))
    targets = torch.randint(0, 5000, (34, 32))
    loss_fn = lambda logits, t: F.cross_entropy(logits.reshape(-1, 5000), t.reshape(-1))
    s = time_calls(train_step(model, opt, tokens, targets, loss_fn), warmup=3, min_runs=10)
    emit("LSTM LM (5000×100 emb, 150 hidden, T=34, B=32), Adam", "ms/step", statistics.median(s), s)


def export_onnx(directory):
    os.makedirs(directory, exist_ok=True)
    torch.manual_seed(0)

    def save(model, args, name, inputs, outputs):
        torch.onnx.export(model.eval(), args, os.path.join(directory, name), input_names=inputs,
                          output_names=outputs, opset_version=13)

    class MatMul(nn.Module):
        def forward(self, a, b):
            return a @ b

    class Add(nn.Module):
        def forward(self, a, b):
            return a + b

    class Sum(nn.Module):
        def forward(self, a):
            return a.sum()

    for n in (256, 1024, 2048):
        save(MatMul(), (torch.randn(n, n), torch.randn(n, n)), f"matmul-{n}.onnx", ["a", "b"], ["y"])
    n = 1 << 22
    save(Add(), (torch.randn(n), torch.randn(n)), "add.onnx", ["a", "b"], ["y"])
    save(Sum(), (torch.randn(n),), "sum.onnx", ["a"], ["y"])
    save(cnn(), (torch.randn(64, 1, 28, 28),), "cnn.onnx", ["x"], ["y"])
    save(ResNet18(), (torch.randn(1, 3, 224, 224),), "resnet18.onnx", ["x"], ["y"])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workloads", default="w1,w2,w3,w4,w5")
    parser.add_argument("--export-onnx")
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    args = parser.parse_args()
    global CLOCK
    CLOCK = time.process_time if args.clock == "cpu" else time.perf_counter
    if args.export_onnx:
        export_onnx(args.export_onnx)
        return
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    blas = os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    print(json.dumps({"version": torch.__version__, "threads": torch.get_num_threads(), "blas": os.path.basename(os.path.dirname(blas)) or blas}), flush=True)
    for name in args.workloads.split(","):
        globals()[name]()


if __name__ == "__main__":
    sys.exit(main())
