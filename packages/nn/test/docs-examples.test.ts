import { afterAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { randint, randn, registerBackend, scope, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { Conv2d, CrossEntropyLoss, Flatten, Linear, MaxPool2d, Module, ReLU, Sequential, functional as F, load, save } from "@trek/nn";

registerBackend("cpu", () => new CpuBackend());

const dir = mkdtempSync(join(tmpdir(), "trek-nn-docs-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the documentation's examples", () => {
  it("README: a step of training and a checkpoint", () => {
    const model = new Sequential(new Flatten(), new Linear(784, 128), new ReLU(), new Linear(128, 10));
    const lossFn = new CrossEntropyLoss();
    const [x, y] = [randn([32, 1, 28, 28]), randint(0, 10, [32])];
    scope(() => lossFn.call(model.call(x), y).backward());
    expect(model.parameters().every((p) => p.grad !== null)).toBe(true);
    save(model.stateDict(), join(dir, "model.safetensors"));
    expect(Object.keys(load(join(dir, "model.safetensors")))).toEqual(["1.weight", "1.bias", "3.weight", "3.bias"]);
  });

  it("docs/nn.md: the printed model is the one shown", () => {
    class Net extends Module {
      conv = new Conv2d(1, 8, 3, { padding: 1 });
      pool = new MaxPool2d(2);
      fc = new Linear(8 * 14 * 14, 10);
      forward(x: Tensor): Tensor {
        return this.fc.call(this.pool.call(F.relu(this.conv.call(x))).flatten(1));
      }
    }
    const model = new Net();
    expect(model.call(randn([2, 1, 28, 28])).shape).toEqual([2, 10]);
    const docs = readFileSync(fileURLToPath(new URL("../../../docs/nn.md", import.meta.url)), "utf8");
    const printed = /prints\n\n```\n([\s\S]*?)\n```/.exec(docs)![1];
    expect(String(model)).toBe(printed);
  });
});
