import { describe, expect, it } from "vitest";
import "@trek/autograd";
import { registerBackend, tensor, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  ASGD,
  Adadelta,
  Adagrad,
  Adam,
  Adamax,
  AdamW,
  ChainedScheduler,
  ConstantLR,
  CosineAnnealingLR,
  CosineAnnealingWarmRestarts,
  CyclicLR,
  ExponentialLR,
  LambdaLR,
  LinearLR,
  MultiStepLR,
  MultiplicativeLR,
  NAdam,
  OneCycleLR,
  PolynomialLR,
  RAdam,
  RMSprop,
  Rprop,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  type Optimizer,
} from "@trek/optim";
import { OPTIMIZERS } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const param = () => zeros([2, 3], { requiresGrad: true });

describe("optimizers reject bad hyperparameters, naming the optimizer and the value", () => {
  for (const name of Object.keys(OPTIMIZERS)) {
    const Ctor = OPTIMIZERS[name] as unknown as new (params: unknown, options?: unknown) => Optimizer;
    it(`${name}: a negative or NaN learning rate`, () => {
      expect(() => new Ctor([param()], { lr: -0.1 })).toThrow(`${name}: invalid learning rate: -0.1 (expected a number ≥ 0)`);
      expect(() => new Ctor([param()], { lr: NaN })).toThrow(`${name}: invalid learning rate: NaN`);
    });
    it(`${name}: the same learning rate in one parameter group`, () => {
      expect(() => new Ctor([{ params: [param()] }, { params: [param()], lr: -1 }])).toThrow(
        `${name}: invalid learning rate: -1 (expected a number ≥ 0) (parameter group 1)`,
      );
    });
    it(`${name}: an unknown option, e.g. a snake_case name`, () => {
      expect(() => new Ctor([param()], { weight_decay: 0.1 })).toThrow(new RegExp(`^${name}: unknown option "weight_decay" \\(options are lr, `));
    });
  }

  for (const Ctor of [Adam, AdamW, Adamax, NAdam, RAdam]) {
    it(`${Ctor.name}: betas outside [0, 1)`, () => {
      expect(() => new Ctor([param()], { betas: [1, 0.999] })).toThrow(`${Ctor.name}: invalid beta parameter at index 0: 1 (expected 0 ≤ beta < 1)`);
      expect(() => new Ctor([param()], { betas: [0.9, -0.5] })).toThrow(`${Ctor.name}: invalid beta parameter at index 1: -0.5`);
      expect(() => new Ctor([param()], { betas: [0.9] as never })).toThrow(`${Ctor.name}: betas must be a pair [beta1, beta2], got [0.9]`);
    });
  }

  it("other invalid values name their option", () => {
    expect(() => new SGD([param()], { lr: 0.1, momentum: -0.5 })).toThrow("SGD: invalid momentum value: -0.5");
    expect(() => new SGD([param()], { lr: 0.1, nesterov: true })).toThrow(
      "SGD: Nesterov momentum requires momentum > 0 and zero dampening, got momentum 0 and dampening 0",
    );
    expect(() => new Adam([param()], { eps: -1e-8 })).toThrow("Adam: invalid epsilon value: -1e-8");
    expect(() => new Adam([param()], { weightDecay: -0.01 })).toThrow("Adam: invalid weightDecay value: -0.01");
    expect(() => new Adam([param()], { amsgrad: "yes" as never })).toThrow('Adam: amsgrad must be true or false, got "yes"');
    expect(() => new RMSprop([param()], { alpha: -0.9 })).toThrow("RMSprop: invalid alpha value: -0.9");
    expect(() => new Adagrad([param()], { lrDecay: -1 })).toThrow("Adagrad: invalid lrDecay value: -1");
    expect(() => new Adadelta([param()], { rho: 1.5 })).toThrow("Adadelta: invalid rho: 1.5 (expected 0 ≤ rho ≤ 1)");
    expect(() => new NAdam([param()], { momentumDecay: -1 })).toThrow("NAdam: invalid momentumDecay value: -1");
  });

  it("RAdam, Rprop and ASGD name their options", () => {
    expect(() => new RAdam([param()], { eps: -1 })).toThrow("RAdam: invalid epsilon value: -1");
    expect(() => new RAdam([param()], { weightDecay: -0.1 })).toThrow("RAdam: invalid weightDecay value: -0.1");
    expect(() => new RAdam([param()], { maximize: 1 as never })).toThrow("RAdam: maximize must be true or false, got 1");
    expect(() => new Rprop([param()], { etas: [1.5, 1.2] })).toThrow("Rprop: invalid eta values: [1.5, 1.2] (expected 0 < etaminus < 1 < etaplus)");
    expect(() => new Rprop([param()], { etas: [0.5, 1] })).toThrow("Rprop: invalid eta values: [0.5, 1]");
    expect(() => new Rprop([param()], { etas: [0.5] as never })).toThrow("Rprop: etas must be a pair [etaminus, etaplus], got [0.5]");
    expect(() => new Rprop([param()], { stepSizes: [1, 0.5] })).toThrow("Rprop: invalid stepSizes: [1, 0.5] (expected 0 ≤ min ≤ max)");
    expect(() => new Rprop([param()], { stepSizes: 50 as never })).toThrow("Rprop: stepSizes must be a pair [min, max], got 50");
    expect(() => new Rprop([{ params: [param()] }, { params: [param()], etas: [0, 2] }])).toThrow(
      "Rprop: invalid eta values: [0, 2] (expected 0 < etaminus < 1 < etaplus) (parameter group 1)",
    );
    expect(() => new ASGD([param()], { lambd: -1e-4 })).toThrow("ASGD: invalid lambd value: -0.0001");
    expect(() => new ASGD([param()], { alpha: NaN })).toThrow("ASGD: invalid alpha value: NaN");
    expect(() => new ASGD([param()], { t0: -5 })).toThrow("ASGD: invalid t0 value: -5");
    expect(() => new ASGD([param()], { weightDecay: -1 })).toThrow("ASGD: invalid weightDecay value: -1");
    expect(() => new ASGD([param()], { maximize: "no" as never })).toThrow('ASGD: maximize must be true or false, got "no"');
  });
});

describe("optimizers reject bad parameters", () => {
  it("a tensor that is not a leaf", () => {
    const w = param();
    expect(() => new SGD([w.mul(2)], { lr: 0.1 })).toThrow(
      /^SGD: can't optimize a non-leaf tensor: parameter 0 of group 0 \(shape \[2, 3\]\) was produced by MulBackward; pass leaf tensors/,
    );
  });

  it("a tensor that is not floating point", () => {
    expect(() => new Adam([param(), tensor([1, 2, 3], { dtype: "int32" })])).toThrow(
      "Adam: can only optimize floating-point tensors, but parameter 1 of group 0 has dtype int32",
    );
  });

  it("a parameter in two groups", () => {
    const [w, b] = [param(), param()];
    expect(() => new SGD([{ params: [w, b] }, { params: [b], lr: 0.01 }], { lr: 0.1 })).toThrow(
      "SGD: some parameters appear in more than one parameter group: parameter 0 of group 1 (shape [2, 3]) is already in group 0",
    );
    const optimizer = new SGD([w], { lr: 0.1 });
    expect(() => optimizer.addParamGroup({ params: [b, w] })).toThrow(/parameter 1 of group 1 \(shape \[2, 3\]\) is already in group 0/);
    expect(optimizer.paramGroups).toHaveLength(1);
  });

  it("the same tensor twice in one group", () => {
    const w = param();
    expect(() => new RMSprop([w, w])).toThrow("RMSprop: parameter group 0 lists the same tensor twice (positions 0 and 1)");
  });

  it("no parameters, a bare tensor, something else", () => {
    expect(() => new SGD([], { lr: 0.1 })).toThrow("SGD: got an empty parameter list");
    expect(() => new SGD(param() as never, { lr: 0.1 })).toThrow(/SGD: params must be an iterable of Tensors or parameter groups, got a single Tensor/);
    expect(() => new SGD([1, 2] as never, { lr: 0.1 })).toThrow(
      "SGD: params must be an iterable of Tensors or parameter groups { params, ...options }, got 1 at position 0",
    );
    expect(() => new Adam([param(), { params: [param()] }] as never)).toThrow("Adam: params mixes Tensors and parameter groups");
    expect(() => new Adam([{ params: [param(), "w"] }] as never)).toThrow('Adam: parameter 1 of group 0 is not a Tensor but "w"');
  });

  it("a disposed parameter", () => {
    const w = param();
    w.dispose();
    expect(() => new SGD([w], { lr: 0.1 })).toThrow(/SGD: parameter 0 of group 0 \(shape \[2, 3\]\) was disposed/);
  });

  it("a gradient whose shape does not match its parameter", () => {
    const w = param();
    const optimizer = new SGD([w], { lr: 0.1 });
    w.grad = zeros([3]);
    expect(() => optimizer.step()).toThrow("SGD.step: a gradient of shape [3] does not match its parameter's shape [2, 3]");
  });
});

describe("schedulers reject bad options", () => {
  const optimizer = () => new SGD([param()], { lr: 0.1, momentum: 0.9 });

  it("names the scheduler and the value", () => {
    expect(() => new StepLR(optimizer(), { stepSize: 0 })).toThrow("StepLR: stepSize must be a positive integer, got 0");
    expect(() => new MultiStepLR(optimizer(), { milestones: [2, 2.5] })).toThrow("MultiStepLR: milestones must be a list of integers, got 2,2.5");
    expect(() => new CosineAnnealingLR(optimizer(), { tMax: 0 })).toThrow("CosineAnnealingLR: tMax must be > 0, got 0");
    expect(() => new CosineAnnealingWarmRestarts(optimizer(), { t0: 2, tMult: 0 })).toThrow("CosineAnnealingWarmRestarts: expected an integer tMult ≥ 1, got 0");
    expect(() => new LinearLR(optimizer(), { startFactor: 0 })).toThrow("LinearLR: startFactor must be in (0, 1], got 0");
    expect(() => new LinearLR(optimizer(), { endFactor: 2 })).toThrow("LinearLR: endFactor must be in [0, 1], got 2");
    expect(() => new OneCycleLR(optimizer(), { maxLr: 1 })).toThrow("OneCycleLR: give either totalSteps or both epochs and stepsPerEpoch");
    expect(() => new OneCycleLR(optimizer(), { maxLr: [1, 2], totalSteps: 10 })).toThrow("OneCycleLR: expected 1 values for maxLr (one per group), got 2");
    expect(() => new OneCycleLR(new Adagrad([param()]), { maxLr: 1, totalSteps: 10 })).toThrow(
      "OneCycleLR: cycleMomentum needs an optimizer with momentum or betas, and Adagrad has neither; pass cycleMomentum: false",
    );
    expect(() => new ReduceLROnPlateau(optimizer(), { factor: 1 })).toThrow("ReduceLROnPlateau: factor must be in [0, 1), got 1");
    expect(() => new ReduceLROnPlateau(optimizer(), { mode: "lowest" as never })).toThrow('ReduceLROnPlateau: mode must be "min" or "max", got "lowest"');
    expect(() => new LambdaLR(optimizer(), { lrLambda: [() => 1, () => 1] })).toThrow("LambdaLR: expected 1 lrLambda functions (one per group), got 2");
    expect(() => new StepLR({} as never, { stepSize: 1 })).toThrow("StepLR: expected an Optimizer, got Object");
    expect(() => new StepLR(optimizer(), { stepSize: 1, lastEpoch: 4 })).toThrow(
      "StepLR: parameter group 0 has no initialLr, which resuming at lastEpoch 4 needs",
    );
  });

  it("SequentialLR checks its schedulers and milestones", () => {
    const a = optimizer();
    const b = optimizer();
    expect(() => new SequentialLR(a, { schedulers: [new LinearLR(a), new StepLR(a, { stepSize: 2 })], milestones: [] })).toThrow(
      "SequentialLR: expected 1 milestones for 2 schedulers, got 0",
    );
    expect(() => new SequentialLR(a, { schedulers: [new LinearLR(a), new StepLR(b, { stepSize: 2 })], milestones: [3] })).toThrow(
      "SequentialLR: schedulers[1] (StepLR) belongs to another optimizer than the one passed to SequentialLR",
    );
    expect(() => new SequentialLR(a, { schedulers: [new LinearLR(a), new ReduceLROnPlateau(a) as never], milestones: [3] })).toThrow(
      "SequentialLR: schedulers[1] is not an LRScheduler (ReduceLROnPlateau needs a metric and cannot be sequenced)",
    );
  });

  it("ConstantLR, PolynomialLR and MultiplicativeLR name the option and the value", () => {
    expect(() => new ConstantLR(optimizer(), { factor: 1.5 })).toThrow("ConstantLR: factor must be in [0, 1], got 1.5");
    expect(() => new ConstantLR(optimizer(), { totalIters: 0 })).toThrow("ConstantLR: totalIters must be a positive integer, got 0");
    expect(() => new PolynomialLR(optimizer(), { totalIters: 2.5 })).toThrow("PolynomialLR: totalIters must be a positive integer, got 2.5");
    expect(() => new PolynomialLR(optimizer(), { power: -1 })).toThrow("PolynomialLR: invalid power: -1 (expected a number ≥ 0)");
    expect(() => new MultiplicativeLR(optimizer(), { lrLambda: [() => 1, () => 1] })).toThrow(
      "MultiplicativeLR: expected 1 lrLambda functions (one per group), got 2",
    );
    expect(() => new MultiplicativeLR(optimizer(), { lrLambda: 0.9 as never })).toThrow("MultiplicativeLR: lrLambda 0 is not a function but number");
  });

  it("CyclicLR checks its bounds, sizes, mode and momentum", () => {
    const base = { baseLr: 0.01, maxLr: 0.1 };
    expect(() => new CyclicLR(optimizer(), { baseLr: [0.01, 0.02], maxLr: 0.1 })).toThrow("CyclicLR: expected 1 values for baseLr (one per group), got 2");
    expect(() => new CyclicLR(optimizer(), { baseLr: -0.01, maxLr: 0.1 })).toThrow("CyclicLR: invalid baseLr: -0.01 (expected a number ≥ 0)");
    expect(() => new CyclicLR(optimizer(), { ...base, stepSizeUp: 0 })).toThrow("CyclicLR: stepSizeUp must be a positive number, got 0");
    expect(() => new CyclicLR(optimizer(), { ...base, stepSizeDown: -2 })).toThrow("CyclicLR: stepSizeDown must be a positive number, got -2");
    expect(() => new CyclicLR(optimizer(), { ...base, mode: "sine" as never })).toThrow(
      'CyclicLR: mode must be "triangular", "triangular2" or "exp_range" (or give a scaleFn), got "sine"',
    );
    expect(() => new CyclicLR(optimizer(), { ...base, scaleFn: (x) => x, scaleMode: "epoch" as never })).toThrow(
      'CyclicLR: scaleMode must be "cycle" or "iterations", got "epoch"',
    );
    expect(() => new CyclicLR(optimizer(), { ...base, scaleFn: 2 as never })).toThrow("CyclicLR: scaleFn must be a function, got 2");
    expect(() => new CyclicLR(new Adagrad([param()]), base)).toThrow(
      "CyclicLR: cycleMomentum needs an optimizer with momentum or betas, and Adagrad has neither; pass cycleMomentum: false",
    );
    expect(() => new CyclicLR(new Adagrad([param()]), { ...base, cycleMomentum: false })).not.toThrow();
    expect(() => new CyclicLR({} as never, base)).toThrow("CyclicLR: expected an Optimizer, got Object");
  });

  it("ChainedScheduler checks its schedulers", () => {
    const a = optimizer();
    const b = optimizer();
    expect(() => new ChainedScheduler([])).toThrow("ChainedScheduler: expected at least one scheduler");
    expect(() => new ChainedScheduler([new ConstantLR(a), new ExponentialLR(b, { gamma: 0.9 })])).toThrow(
      "ChainedScheduler: schedulers[1] (ExponentialLR) belongs to another optimizer than schedulers[0]'s",
    );
    expect(() => new ChainedScheduler([new ConstantLR(a)], b)).toThrow(
      "ChainedScheduler: schedulers[0] (ConstantLR) belongs to another optimizer than the one passed to ChainedScheduler",
    );
    expect(() => new ChainedScheduler([new ConstantLR(a), new ReduceLROnPlateau(a) as never])).toThrow(
      "ChainedScheduler: schedulers[1] is not an LRScheduler (ReduceLROnPlateau needs a metric and cannot be chained)",
    );
  });

  it("ReduceLROnPlateau refuses a NaN metric", () => {
    expect(() => new ReduceLROnPlateau(optimizer()).step(NaN)).toThrow("ReduceLROnPlateau.step: the metric is NaN");
  });

  it("loadStateDict rejects the state of another scheduler", () => {
    const state = new StepLR(optimizer(), { stepSize: 2 }).stateDict();
    expect(() => new CosineAnnealingLR(optimizer(), { tMax: 5 }).loadStateDict(state)).toThrow(
      'CosineAnnealingLR.loadStateDict: unknown entry "stepSize"; was the state saved by another scheduler?',
    );
  });
});
