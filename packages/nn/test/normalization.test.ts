import { describe, expect, it } from "vitest";
import { registerBackend, randn, type DType, type Tensor } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { BatchNorm1d, BatchNorm2d, GroupNorm, LayerNorm } from "@trek/nn";
import {
  checkAgainstFixture,
  expectClose,
  expectEqualInts,
  fromFixture,
  loadFixtures,
  stateFromFixture,
  tolerance,
  type FixtureCase,
  type FixtureTensor,
} from "./helpers.js";

registerBackend("cpu", () => new CpuBackend());

interface BatchNormStep {
  training: boolean;
  input: FixtureTensor;
  output: FixtureTensor;
  upstream: FixtureTensor;
  grads: Record<string, FixtureTensor>;
  buffers: Record<string, FixtureTensor>;
}

interface BatchNormCase {
  module: { kind: string; features: number; momentum?: number | null; affine?: boolean; trackRunningStats?: boolean };
  state: Record<string, FixtureTensor>;
  steps: BatchNormStep[];
}

const cases = loadFixtures<BatchNormCase & FixtureCase>("normalization");
const DTYPES: DType[] = ["float32", "float64"];

describe("BatchNorm matches PyTorch over training steps and in eval mode", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      if (!name.startsWith("batch_norm")) continue;
      it(`${name} (${dtype})`, () => {
        const m = c.module;
        const options = { momentum: m.momentum, affine: m.affine, trackRunningStats: m.trackRunningStats, dtype };
        const layer = m.kind === "BatchNorm1d" ? new BatchNorm1d(m.features, options) : new BatchNorm2d(m.features, options);
        layer.loadStateDict(stateFromFixture(c.state, dtype));
        const tol = tolerance(dtype);
        c.steps.forEach((step, i) => {
          const label = `${name} ${dtype} step ${i}`;
          layer.train(step.training);
          const x = fromFixture(step.input, dtype, true);
          for (const p of layer.parameters()) p.grad = null;
          const y = layer.call(x);
          expectClose(y, step.output, tol, `${label} output`);
          y.mul(fromFixture(step.upstream, dtype)).sum().backward();
          expectClose(x.grad!, step.grads["input.x"]!, tol, `${label} grad x`);
          for (const [key, p] of layer.namedParameters()) expectClose(p.grad!, step.grads[key]!, tol, `${label} grad ${key}`);
          for (const [key, b] of layer.namedBuffers()) {
            if (key === "num_batches_tracked") expectEqualInts(b, step.buffers[key]!, `${label} ${key}`);
            else expectClose(b, step.buffers[key]!, tol, `${label} ${key}`);
          }
        });
      });
    }
  }
});

describe("LayerNorm and GroupNorm match PyTorch", () => {
  for (const dtype of DTYPES) {
    for (const [name, c] of Object.entries(cases)) {
      if (name.startsWith("batch_norm")) continue;
      it(`${name} (${dtype})`, () => {
        const m = c.module as { kind: string; shape?: number[]; affine?: boolean; eps?: number; groups?: number; channels?: number };
        const layer =
          m.kind === "LayerNorm"
            ? new LayerNorm(m.shape!, { elementwiseAffine: m.affine ?? true, eps: m.eps })
            : new GroupNorm(m.groups!, m.channels!, { eps: m.eps });
        checkAgainstFixture(name, c, dtype, layer, (x) => layer.call(x.x!));
      });
    }
  }
});

describe("BatchNorm running statistics (an overfitting remedy's train/eval contract)", () => {
  it("eval mode normalizes with the running statistics, not the batch's", () => {
    const bn = new BatchNorm1d(3, { momentum: 1 }); // running stats = the last batch's
    const train = randn([64, 3]).mul(4).add(10);
    bn.call(train);
    bn.eval();
    // A batch with very different statistics: eval output uses the stored ones.
    const other = randn([8, 3]);
    const y = bn.call(other);
    const rm = bn.runningMean!;
    const rv = bn.runningVar!;
    const expected = other.sub(rm).div(rv.add(1e-5).sqrt());
    expect(y.allclose(expected, 1e-5, 1e-5)).toBe(true);
    // In training mode the same batch would be normalized by its own statistics instead.
    bn.train();
    const trained = bn.call(other);
    expect(trained.mean(0).abs().amax().itemSync()).toBeLessThan(1e-5);
    expect(y.mean(0).abs().amax().itemSync()).toBeGreaterThan(1);
  });

  it("eval mode is deterministic and does not update the statistics", () => {
    const bn = new BatchNorm2d(2);
    bn.call(randn([4, 2, 3, 3]));
    bn.eval();
    const before = Array.from(bn.runningMean!.dataSync() as Float32Array);
    const x = randn([2, 2, 3, 3]);
    const a = bn.call(x);
    const b = bn.call(x);
    expect(a.equal(b)).toBe(true);
    expect(Array.from(bn.runningMean!.dataSync() as Float32Array)).toEqual(before);
    expect(bn.numBatchesTracked!.itemSync()).toBe(1);
  });

  it("running statistics are updated in place (the same tensors), so references stay valid", () => {
    const bn = new BatchNorm1d(2);
    const mean: Tensor = bn.runningMean!;
    bn.call(randn([5, 2]).add(3));
    expect(bn.runningMean).toBe(mean);
    expect(mean.abs().amax().itemSync()).toBeGreaterThan(0.1);
  });

  it("rejects a single value per channel in training and bad shapes", () => {
    const bn = new BatchNorm1d(4);
    expect(() => bn.call(randn([1, 4]))).toThrow("expected more than 1 value per channel when training");
    expect(() => bn.call(randn([8, 3]))).toThrow(
      "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True): expected input [N, 4] or [N, 4, L], got [8, 3]",
    );
    expect(() => new LayerNorm([3, 4]).call(randn([2, 4, 3]))).toThrow("expected input [..., 3, 4], got [2, 4, 3]");
    expect(() => new GroupNorm(2, 5)).toThrow("numChannels (5) must be divisible by numGroups (2)");
  });

  it("state dict keys follow PyTorch", () => {
    expect(Object.keys(new BatchNorm2d(3).stateDict())).toEqual(["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    expect(Object.keys(new BatchNorm2d(3, { affine: false, trackRunningStats: false }).stateDict())).toEqual([]);
  });
});
