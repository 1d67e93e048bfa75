import { describe, expect, it } from "vitest";
import { Tensor, memory, randn, registerBackend, scope, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import { noGrad } from "@trek/autograd";
import {
  BatchNorm1d,
  Conv2d,
  Dropout,
  Flatten,
  Identity,
  Linear,
  Module,
  ModuleDict,
  ModuleList,
  Parameter,
  ReLU,
  Sequential,
  Unflatten,
} from "@trek/nn";

registerBackend("cpu", () => new CpuBackend());

class Mlp extends Module {
  fc1 = new Linear(784, 512);
  act = new ReLU();
  fc2 = new Linear(512, 10);
  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

class WithBuffer extends Module {
  scale = new Parameter(tensor([2]));
  constructor() {
    super();
    this.registerBuffer("offset", tensor([1, 2, 3]));
    this.registerBuffer("cache", zeros([2]), { persistent: false });
  }
  forward(x: Tensor): Tensor {
    return x.mul(this.scale).add(this.getBuffer("offset"));
  }
}

describe("Module discovery and traversal", () => {
  it("finds parameters and children from fields, with dotted names in declaration order", () => {
    const net = new Mlp();
    expect(net.namedParameters().map(([n]) => n)).toEqual(["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"]);
    expect(net.namedChildren().map(([n]) => n)).toEqual(["fc1", "act", "fc2"]);
    expect(net.namedModules().map(([n]) => n)).toEqual(["", "fc1", "act", "fc2"]);
    expect(net.parameters()[0]).toBe(net.fc1.weight);
    expect(net.parameterCount()).toBe(784 * 512 + 512 + 512 * 10 + 10);
  });

  it("lists shared parameters once, but keeps both state-dict keys (like PyTorch)", () => {
    class Tied extends Module {
      encoder = new Linear(4, 4);
      decoder = new Linear(4, 4);
      constructor() {
        super();
        this.decoder.weight = this.encoder.weight;
      }
      forward(x: Tensor): Tensor {
        return this.decoder.call(this.encoder.call(x));
      }
    }
    const tied = new Tied();
    expect(tied.parameters().length).toBe(3);
    expect(Object.keys(tied.stateDict())).toEqual(["encoder.weight", "encoder.bias", "decoder.weight", "decoder.bias"]);
  });

  it("registers buffers; non-persistent ones stay out of the state dict", () => {
    const m = new WithBuffer();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(["offset", "cache"]);
    expect(Object.keys(m.stateDict())).toEqual(["scale", "offset"]);
    expect(m.call(tensor([1, 1, 1])).tolistSync()).toEqual([3, 4, 5]);
    expect(m.getBuffer("offset").shape).toEqual([3]);
  });

  it("resolves dotted paths", () => {
    const model = new Sequential(new Linear(2, 3), new Sequential(new ReLU(), new Linear(3, 1)));
    expect(model.getSubmodule("1.1")).toBeInstanceOf(Linear);
    expect(model.getParameter("1.1.bias").shape).toEqual([1]);
    expect(() => model.getSubmodule("1.5")).toThrow('getSubmodule: Sequential has no child "5" (path "1.5")');
  });
});

describe("modes, freezing, gradients", () => {
  it("train() and eval() reach every descendant", () => {
    const model = new Sequential(new Linear(2, 2), new Sequential(new Dropout(), new BatchNorm1d(2)));
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.eval();
    expect(model.modules().some((m) => m.training)).toBe(false);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
  });

  it("requiresGrad_(false) freezes parameters: no gradient reaches them", () => {
    const model = new Sequential(new Linear(3, 4), new ReLU(), new Linear(4, 2));
    (model.at(0) as Linear).requiresGrad_(false);
    model.call(randn([5, 3])).sum().backward();
    expect((model.at(0) as Linear).weight.grad).toBeNull();
    expect((model.at(2) as Linear).weight.grad).not.toBeNull();
    expect(model.toString()).toContain("Parameters: 26 (trainable: 10)");
  });

  it("zeroGrad clears gradients (to null by default, or zeros)", () => {
    const layer = new Linear(2, 2);
    layer.call(randn([3, 2])).sum().backward();
    layer.zeroGrad({ setToNone: false });
    expect(layer.weight.grad!.abs().sum().itemSync()).toBe(0);
    layer.zeroGrad();
    expect(layer.weight.grad).toBeNull();
  });

  it("apply visits children first, then the module", () => {
    const model = new Sequential(new Linear(1, 1), new Sequential(new ReLU()));
    const seen: string[] = [];
    model.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(["Linear", "ReLU", "Sequential", "Sequential"]);
  });

  it("forward hooks see inputs and may replace the output", () => {
    const layer = new Linear(2, 2);
    const shapes: number[][] = [];
    const removePre = layer.registerForwardPreHook((_m, inputs) => {
      shapes.push([...(inputs[0] as Tensor).shape]);
    });
    const remove = layer.registerForwardHook((_m, _inputs, output) => (output as Tensor).mul(0));
    expect(layer.call(randn([3, 2])).abs().sum().itemSync()).toBe(0);
    remove();
    removePre();
    expect(layer.call(randn([3, 2])).abs().sum().itemSync()).toBeGreaterThan(0);
    expect(shapes).toEqual([[3, 2]]);
  });
});

describe("to(dtype | device)", () => {
  it("converts floating parameters and buffers in place, keeping their identity", () => {
    const model = new Sequential(new Linear(3, 2), new BatchNorm1d(2));
    const weight = (model.at(0) as Linear).weight;
    const before = Array.from(weight.dataSync() as Float32Array);
    const counter = (model.at(1) as BatchNorm1d).numBatchesTracked!;
    model.to("float64");
    expect((model.at(0) as Linear).weight).toBe(weight);
    expect(weight.dtype).toBe("float64");
    expect(weight.requiresGrad).toBe(true);
    expect(Array.from(weight.dataSync() as Float64Array)).toEqual(before);
    expect((model.at(1) as BatchNorm1d).runningMean!.dtype).toBe("float64");
    expect(counter.dtype).toBe("int64");
    const y = model.call(randn([4, 3], { dtype: "float64" }));
    expect(y.dtype).toBe("float64");
    y.sum().backward();
    expect(weight.grad!.dtype).toBe("float64");
    model.to({ dtype: "float32" });
    expect(weight.grad!.dtype).toBe("float32");
    expect(() => model.to("int32")).toThrow("Module.to: only floating-point dtypes can be applied to a module, got int32");
  });

  it("moving to an unknown device names the problem", () => {
    expect(() => new Linear(1, 1).to("nodevice")).toThrow(/nodevice/);
  });
});

describe("stateDict / loadStateDict", () => {
  it("round-trips values into another model (copies, not aliases)", () => {
    const a = new Mlp();
    const b = new Mlp();
    b.loadStateDict(a.stateDict());
    const x = randn([2, 784]);
    expect(b.call(x).equal(a.call(x))).toBe(true);
    noGrad(() => b.fc1.weight.mul_(0));
    expect(a.fc1.weight.abs().sum().itemSync()).toBeGreaterThan(0);
  });

  it("lists every missing, unexpected and mis-shaped key in one error, and loads nothing", () => {
    const model = new Mlp();
    const state = model.stateDict();
    delete state["fc2.bias"];
    state["head.weight"] = zeros([2, 2]);
    state["fc1.weight"] = zeros([256, 784]);
    const before = model.fc2.weight.clone();
    state["fc2.weight"] = zeros([10, 512]);
    expect(() => model.loadStateDict(state)).toThrow(
      "loadStateDict: missing keys: fc2.bias; unexpected keys: head.weight; shape mismatch: fc1.weight [512, 784] vs [256, 784] (model vs state dict)",
    );
    expect(model.fc2.weight.equal(before)).toBe(true);
    const report = model.checkStateDict(state);
    expect(report.missingKeys).toEqual(["fc2.bias"]);
    expect(report.unexpectedKeys).toEqual(["head.weight"]);
  });

  it("non-strict loading skips missing and unexpected keys but still refuses wrong shapes", () => {
    const model = new Mlp();
    const partial = { "fc1.bias": zeros([512]), extra: zeros([1]) };
    model.loadStateDict(partial, { strict: false });
    expect(model.fc1.bias!.abs().sum().itemSync()).toBe(0);
    expect(() => model.loadStateDict({ "fc1.bias": zeros([3]) }, { strict: false })).toThrow("shape mismatch: fc1.bias [512] vs [3]");
  });
});

describe("printing", () => {
  it("prints PyTorch's tree plus a parameter count line", () => {
    const model = new Sequential(new Linear(784, 512), new ReLU());
    expect(model.toString()).toBe(
      "Sequential(\n  (0): Linear(in_features=784, out_features=512, bias=True)\n  (1): ReLU()\n)\nParameters: 401,920 (trainable: 401,920)",
    );
    const nested = new Sequential(new Conv2d(1, 2, 3), new Sequential(new Flatten(), new Unflatten(1, [2, 5])));
    expect(nested.reprTree()).toBe(
      [
        "Sequential(",
        "  (0): Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))",
        "  (1): Sequential(",
        "    (0): Flatten(start_dim=1, end_dim=-1)",
        "    (1): Unflatten(dim=1, unflattened_size=(2, 5))",
        "  )",
        ")",
      ].join("\n"),
    );
    expect(String(new ReLU())).toBe("ReLU()");
  });
});

describe("containers", () => {
  it("Sequential indexes, slices, appends and inserts like a list", () => {
    const seq = new Sequential(new Linear(2, 3), new ReLU());
    seq.append(new Linear(3, 1));
    expect(seq.length).toBe(3);
    expect(seq.at(-1)).toBeInstanceOf(Linear);
    expect(seq.call(randn([4, 2])).shape).toEqual([4, 1]);
    expect(seq.slice(0, 2).call(randn([4, 2])).shape).toEqual([4, 3]);
    seq.insert(0, new Identity());
    expect(Object.keys(seq.stateDict())).toEqual(["1.weight", "1.bias", "3.weight", "3.bias"]);
    expect(() => seq.at(9)).toThrow("Sequential.at: index 9 is out of range for 4 modules");
  });

  it("ModuleList and ModuleDict register their modules", () => {
    class Heads extends Module {
      layers = new ModuleList([new Linear(2, 2), new Linear(2, 2)]);
      heads = new ModuleDict({ cls: new Linear(2, 3), box: new Linear(2, 4) });
      forward(x: Tensor): Tensor {
        let h = x;
        for (const layer of this.layers) h = layer.call(h) as Tensor;
        return (this.heads.get("cls") as Linear).call(h);
      }
    }
    const m = new Heads();
    expect(Object.keys(m.stateDict())).toEqual([
      "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
      "heads.cls.weight", "heads.cls.bias", "heads.box.weight", "heads.box.bias",
    ]);
    expect(m.call(randn([1, 2])).shape).toEqual([1, 3]);
    expect([...m.heads]).toEqual(["cls", "box"]);
    expect(() => m.layers.call()).toThrow("ModuleList is not callable");
    expect(() => m.heads.get("nope")).toThrow('ModuleDict.get: no module "nope" (keys: cls, box)');
  });

  it("a replaced head is picked up without registration", () => {
    const model = new Mlp();
    model.fc2 = new Linear(512, 3);
    expect(model.call(randn([1, 784])).shape).toEqual([1, 3]);
    expect(model.getParameter("fc2.weight").shape).toEqual([3, 512]);
  });
});

describe("memory", () => {
  it("parameters and buffers survive scope(); a training step inside scope() leaks nothing", () => {
    const model = scope(() => new Sequential(new Linear(4, 8), new BatchNorm1d(8), new ReLU(), new Linear(8, 2)));
    const step = (): void =>
      scope(() => {
        model.zeroGrad();
        const loss = model.call(randn([16, 4])).pow(2).mean();
        loss.backward();
      });
    step();
    const before = memory().tensors;
    for (let i = 0; i < 3; i++) step();
    expect(memory().tensors).toBe(before);
    expect(model.parameters().every((p) => !p.isDisposed)).toBe(true);
  });
});
