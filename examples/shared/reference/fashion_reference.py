"""PyTorch reference runs of the mlp-fashion and cnn-fashion examples, same data and settings.

Usage: /usr/bin/python3 examples/shared/reference/fashion_reference.py mlp|cnn [--epochs N] [--threads N]
Data: $TREK_DATA_DIR/fashion-mnist (default ../shared/data beside the repository).
Prints the test accuracy after each epoch and the mean epoch time, for comparison with
`pnpm --filter @trek-examples/mlp-fashion start` and `... cnn-fashion start`.
"""
import argparse
import gzip
import os
import struct
import time

import numpy as np
import torch
from torch import nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    _, _, code, ndim = struct.unpack(">BBBB", raw[:4])
    if code != 0x08:
        raise ValueError(f"{path}: expected uint8 data, got type 0x{code:02x}")
    shape = struct.unpack(">" + "I" * ndim, raw[4 : 4 + 4 * ndim])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load(folder, split):
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(3136, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10),
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=["mlp", "cnn"])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    data = os.environ.get("TREK_DATA_DIR", os.path.join(repo, "..", "shared", "data"))
    folder = os.path.join(data, "fashion-mnist")
    x_train, y_train = load(folder, "train")
    x_test, y_test = load(folder, "test")
    if args.model == "mlp":
        model, batch = mlp(), 128
        optimizer = torch.optim.RMSprop(model.parameters(), lr=1e-3, alpha=0.9, eps=1e-7)  # Keras's defaults
    else:
        model, batch = cnn(), 64
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for epoch in range(args.epochs):
        model.train()
        start = time.perf_counter()
        order = torch.randperm(len(x_train))
        for i in range(0, len(x_train), batch):
            index = order[i : i + batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
        model.eval()
        with torch.no_grad():
            correct = sum((model(x_test[i : i + 1000]).argmax(1) == y_test[i : i + 1000]).sum().item() for i in range(0, len(x_test), 1000))
        print(f"epoch {epoch + 1}: test accuracy {correct / len(x_test):.4f}, training time {times[-1]:.1f}s", flush=True)
    print(f"mean training time per epoch {sum(times) / len(times):.1f}s ({args.threads} thread(s), torch {torch.__version__})")


if __name__ == "__main__":
    main()
