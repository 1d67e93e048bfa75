import { describe, expect, it } from "vitest";
import { registerBackend, zeros } from "@trek/tensor";
import { CpuBackend } from "@trek/backend-cpu";
import {
  Adam,
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
  OneCycleLR,
  PolynomialLR,
  ReduceLROnPlateau,
  SGD,
  SequentialLR,
  StepLR,
  type LRScheduler,
  type Optimizer,
} from "@trek/optim";
import { expectListsClose, loadFixture, type SchedulerCase } from "./support.js";

registerBackend("cpu", () => new CpuBackend());

const fixtures = loadFixture<{ about: string; cases: SchedulerCase[] }>("schedulers.json");

// The fixture script's lambdas, by the description it records.
const LAMBDAS: Record<string, (epoch: number) => number> = {
  "0.95 ** epoch": (epoch) => 0.95 ** epoch,
  "1 / (1 + epoch)": (epoch) => 1 / (1 + epoch),
  "0.9": () => 0.9,
  "1 - 0.05 * epoch": (epoch) => 1 - 0.05 * epoch,
  "0.9 ** x": (x) => 0.9 ** x,
  "1 / x": (x) => 1 / x,
};

type Scheduler = LRScheduler | ReduceLROnPlateau;

function makeOptimizer(description: string): Optimizer {
  const params = [zeros([1], { requiresGrad: true }), zeros([1], { requiresGrad: true })];
  const groups = [
    { params: [params[0]!], lr: 0.1 },
    { params: [params[1]!], lr: 0.01 },
  ];
  if (description.startsWith("SGD")) return new SGD(groups, { lr: 0.1, momentum: 0.9 });
  return new Adam(groups, { lr: 0.1 });
}

function makeScheduler(name: string, optimizer: Optimizer, options: Record<string, unknown>): Scheduler {
  const o = options as never;
  switch (name) {
    case "StepLR":
      return new StepLR(optimizer, o);
    case "MultiStepLR":
      return new MultiStepLR(optimizer, o);
    case "ExponentialLR":
      return new ExponentialLR(optimizer, o);
    case "CosineAnnealingLR":
      return new CosineAnnealingLR(optimizer, o);
    case "CosineAnnealingWarmRestarts":
      return new CosineAnnealingWarmRestarts(optimizer, o);
    case "LinearLR":
      return new LinearLR(optimizer, o);
    case "OneCycleLR":
      return new OneCycleLR(optimizer, o);
    case "ReduceLROnPlateau":
      return new ReduceLROnPlateau(optimizer, o);
    case "LambdaLR":
      return new LambdaLR(optimizer, { lrLambda: (options.lrLambda as string[]).map((text) => LAMBDAS[text]!) });
    case "SequentialLR": {
      const parts = (options.schedulers as [string, Record<string, unknown>][]).map(
        ([inner, innerOptions]) => makeScheduler(inner, optimizer, innerOptions) as LRScheduler,
      );
      return new SequentialLR(optimizer, { schedulers: parts, milestones: options.milestones as number[] });
    }
    case "ConstantLR":
      return new ConstantLR(optimizer, o);
    case "PolynomialLR":
      return new PolynomialLR(optimizer, o);
    case "MultiplicativeLR":
      return new MultiplicativeLR(optimizer, { lrLambda: (options.lrLambda as string[]).map((text) => LAMBDAS[text]!) });
    case "CyclicLR": {
      const scaleFn = options.scaleFn === undefined ? undefined : LAMBDAS[options.scaleFn as string]!;
      return new CyclicLR(optimizer, { ...options, scaleFn } as never);
    }
    case "ChainedScheduler": {
      const parts = (options.schedulers as [string, Record<string, unknown>][]).map(
        ([inner, innerOptions]) => makeScheduler(inner, optimizer, innerOptions) as LRScheduler,
      );
      return new ChainedScheduler(parts);
    }
  }
  throw new Error(`no scheduler ${name}`);
}

/** The drive of a case: undefined for plain steps, an epoch, or a metric value. */
function drive(c: SchedulerCase): (number | undefined)[] {
  if (c.steps !== undefined) return Array.from({ length: c.steps }, () => undefined);
  return (c.epochs ?? c.metrics)!;
}

function advance(scheduler: Scheduler, optimizer: Optimizer, argument: number | undefined): void {
  optimizer.step();
  if (scheduler instanceof ReduceLROnPlateau) scheduler.step(argument!);
  else scheduler.step(argument);
}

const lrsOf = (optimizer: Optimizer): number[] => optimizer.paramGroups.map((g) => g.lr);
const momentumsOf = (optimizer: Optimizer): number[] =>
  optimizer.paramGroups.map((g) => (Array.isArray(g.betas) ? (g.betas[0] as number) : (g.momentum as number)));

describe("learning-rate schedules match PyTorch", () => {
  it("the fixtures cover every scheduler", () => {
    const names = new Set(fixtures.cases.map((c) => c.scheduler));
    for (const name of [
      "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
      "LinearLR", "OneCycleLR", "ReduceLROnPlateau", "LambdaLR", "SequentialLR",
      "ConstantLR", "PolynomialLR", "MultiplicativeLR", "CyclicLR", "ChainedScheduler",
    ]) {
      expect(names.has(name), name).toBe(true);
    }
  });

  for (const c of fixtures.cases) {
    it(`${c.name}: the learning rates${c.momentums ? " and momentums" : ""} of every step`, () => {
      const optimizer = makeOptimizer(c.optimizer);
      const scheduler = makeScheduler(c.scheduler, optimizer, c.options);
      const lrs = [scheduler.getLastLr()];
      const momentums = [momentumsOf(optimizer)];
      for (const argument of drive(c)) {
        advance(scheduler, optimizer, argument);
        lrs.push(lrsOf(optimizer));
        momentums.push(momentumsOf(optimizer));
        expect(scheduler.getLastLr()).toEqual(lrsOf(optimizer));
      }
      expectListsClose(lrs, c.lrs);
      if (c.momentums) expectListsClose(momentums, c.momentums);
    });

    it(`${c.name}: resumes from a JSON state dict halfway and continues exactly as without the break`, () => {
      const steps = drive(c);
      const half = Math.floor(steps.length / 2);
      const optimizer = makeOptimizer(c.optimizer);
      const scheduler = makeScheduler(c.scheduler, optimizer, c.options);
      for (const argument of steps.slice(0, half)) advance(scheduler, optimizer, argument);
      const saved = JSON.parse(JSON.stringify({ optimizer: optimizer.stateDict(), scheduler: scheduler.stateDict() }));
      const uninterrupted: number[][] = [];
      for (const argument of steps.slice(half)) {
        advance(scheduler, optimizer, argument);
        uninterrupted.push(lrsOf(optimizer));
      }

      const resumedOptimizer = makeOptimizer(c.optimizer);
      const resumed = makeScheduler(c.scheduler, resumedOptimizer, c.options);
      resumedOptimizer.loadStateDict(saved.optimizer);
      resumed.loadStateDict(saved.scheduler);
      expectListsClose([resumed.getLastLr()], [c.lrs[half]!]);
      const lrs: number[][] = [];
      for (const argument of steps.slice(half)) {
        advance(resumed, resumedOptimizer, argument);
        lrs.push(lrsOf(resumedOptimizer));
      }
      expect(lrs).toEqual(uninterrupted);
      expectListsClose(lrs, c.lrs.slice(half + 1));
    });
  }

  it("OneCycleLR refuses to step past totalSteps", () => {
    const optimizer = makeOptimizer("SGD");
    const scheduler = new OneCycleLR(optimizer, { maxLr: 0.1, totalSteps: 3 });
    for (let i = 0; i < 3; i++) scheduler.step();
    expect(() => scheduler.step()).toThrow("OneCycleLR: tried to step 5 times, but totalSteps is 3");
  });

  // PyTorch 1.13's CyclicLR cycles only `momentum`; later versions cycle Adam's beta1 the same way.
  for (const c of fixtures.cases.filter((c) => c.scheduler === "CyclicLR" && c.options.cycleMomentum !== false)) {
    it(`${c.name} on Adam: beta1 follows PyTorch's momentum schedule and beta2 stays`, () => {
      const optimizer = makeOptimizer("Adam");
      const scheduler = makeScheduler(c.scheduler, optimizer, c.options);
      const lrs = [scheduler.getLastLr()];
      const momentums = [momentumsOf(optimizer)];
      for (const argument of drive(c)) {
        advance(scheduler, optimizer, argument);
        lrs.push(lrsOf(optimizer));
        momentums.push(momentumsOf(optimizer));
      }
      expectListsClose(lrs, c.lrs);
      expectListsClose(momentums, c.momentums!);
      expect(optimizer.paramGroups.every((g) => (g.betas as number[])[1] === 0.999)).toBe(true);
    });
  }

  it("a changed gamma gives other rates (the comparison can fail)", () => {
    const c = fixtures.cases.find((c) => c.name === "step_lr")!;
    const optimizer = makeOptimizer(c.optimizer);
    const scheduler = new StepLR(optimizer, { stepSize: 3, gamma: 0.4 });
    const lrs = [scheduler.getLastLr()];
    for (let i = 0; i < c.steps!; i++) {
      scheduler.step();
      lrs.push(scheduler.getLastLr());
    }
    expect(() => expectListsClose(lrs, c.lrs)).toThrow(/PyTorch/);
  });
});
