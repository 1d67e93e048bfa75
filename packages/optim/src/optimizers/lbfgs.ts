/**
 * L-BFGS (limited-memory BFGS), as `torch.optim.LBFGS` of PyTorch 1.13: a quasi-Newton method
 * that treats all parameters as one flat vector, approximates the inverse Hessian from the last
 * `historySize` pairs of parameter and gradient changes, and re-evaluates the objective through
 * a closure, optionally with a line search satisfying the strong Wolfe conditions.
 */
import { cat, isTensor, keep, scope, tensor, withoutRecording, zeros, type Tensor } from "@trek/tensor";
import { Optimizer } from "../optimizer.js";
import type { OptimizerStateDict, ParamGroup, ParamGroupInput, ParamState, Params } from "../types.js";
import { checkNonNegative, formatValue } from "../validation.js";

/** Options of {@link LBFGS}. LBFGS takes a single parameter group. */
export interface LBFGSOptions {
  /** Learning rate: the step length tried along each search direction (default 1). */
  lr: number;
  /** Maximal number of iterations per `step()` (default 20). */
  maxIter: number;
  /** Maximal number of objective evaluations per `step()` (default ⌊maxIter · 5 / 4⌋, i.e. 25). */
  maxEval: number;
  /** Stop when the largest absolute gradient element is at most this (default 1e-7). */
  toleranceGrad: number;
  /** Stop when the loss or the parameters change by less than this (default 1e-9). */
  toleranceChange: number;
  /** Number of (step, gradient change) pairs kept for the inverse-Hessian estimate (default 100). */
  historySize: number;
  /** `"strong_wolfe"` for a line search with cubic interpolation, `null` for fixed steps of `lr` (default null). */
  lineSearchFn: "strong_wolfe" | null;
}

/** What `LBFGS.step` needs from its closure: the loss, after `backward()` has filled the gradients. */
export type LBFGSClosure = () => Tensor | number;

/** The state of the run (PyTorch keeps it as the state of the first parameter). */
interface LBFGSState {
  funcEvals: number;
  nIter: number;
  /** Search direction of the last iteration (flat, on the parameters' device). */
  d?: Tensor;
  /** Step length of the last iteration. */
  t?: number;
  /** Gradient changes y and steps s of the last iterations, oldest first. */
  oldDirs?: Tensor[];
  oldStps?: Tensor[];
  /** 1 / (y · s) for each pair. */
  ro?: number[];
  /** Scale of the initial inverse-Hessian estimate, (y · s) / (y · y) of the newest pair. */
  Hdiag?: number;
  prevFlatGrad?: Tensor;
  prevLoss?: number;
  /** The coefficients of the first loop of the two-loop recursion (scratch space, one per pair). */
  al?: number[];
}

const STATE_KEYS = ["funcEvals", "nIter", "d", "t", "oldDirs", "oldStps", "ro", "Hdiag", "prevFlatGrad", "prevLoss", "al"] as const;

/**
 * `new LBFGS(model.parameters(), { lineSearchFn: "strong_wolfe" })`, then
 * `optimizer.step(() => { optimizer.zeroGrad(); const loss = f(); loss.backward(); return loss; })`.
 * `step` calls the closure several times (up to `maxEval`) and returns the loss of its first
 * call. The closure must be synchronous.
 *
 * As in PyTorch there is one parameter group, all parameters share one device and dtype, and
 * the state belongs to the run, not to single parameters: `stateDict().state[0]` holds the
 * counters `funcEvals` and `nIter`, the numbers `t`, `Hdiag` and `prevLoss`, the flat vectors
 * `d` and `prevFlatGrad`, the history as matrices `oldDirs` and `oldStps` ([pairs, numel]), and
 * `ro` and `al` as vectors. Scalars that PyTorch keeps as tensors of the parameters' dtype are
 * rounded to that dtype here as well, so float32 runs follow PyTorch's float32 runs.
 */
export class LBFGS extends Optimizer<LBFGSOptions> {
  private run: LBFGSState = { funcEvals: 0, nIter: 0 };
  private started = false;

  constructor(params: Params<LBFGSOptions>, options: Partial<LBFGSOptions> = {}) {
    super(params, withMaxEval(options));
    const group = this.paramGroups[0]!;
    const first = group.params[0];
    if (!first) throw new Error(`${this.name}: got an empty parameter list`);
    for (const [position, param] of group.params.entries()) {
      if (param.device !== first.device || param.dtype !== first.dtype) {
        throw new Error(
          `${this.name}: all parameters must be on one device with one dtype, but parameter 0 is ${first.dtype} on ${first.device} ` +
            `and parameter ${position} is ${param.dtype} on ${param.device}`,
        );
      }
    }
  }

  override get name(): string {
    return "LBFGS";
  }

  protected defaultOptions(): LBFGSOptions {
    return { lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null };
  }

  protected checkOptions(o: LBFGSOptions, where: string): void {
    checkNonNegative(this.name, "learning rate", o.lr, where);
    checkPositiveInteger(this.name, "maxIter", o.maxIter, where);
    checkPositiveInteger(this.name, "maxEval", o.maxEval, where);
    checkNonNegative(this.name, "toleranceGrad", o.toleranceGrad, where);
    checkNonNegative(this.name, "toleranceChange", o.toleranceChange, where);
    checkPositiveInteger(this.name, "historySize", o.historySize, where);
    if (o.lineSearchFn !== null && o.lineSearchFn !== "strong_wolfe") {
      throw new TypeError(`${this.name}: lineSearchFn must be "strong_wolfe" or null, got ${formatValue(o.lineSearchFn)}${where}`);
    }
  }

  protected stateKeys(): readonly string[] {
    return STATE_KEYS;
  }

  /** LBFGS updates all parameters at once inside `step(closure)`. */
  protected updateGroup(): void {
    throw new Error(`${this.name}: the update needs the closure; call step(closure)`);
  }

  /** LBFGS takes exactly one parameter group (as in PyTorch); a second one is refused. */
  override addParamGroup(input: ParamGroupInput<LBFGSOptions>): void {
    if (this.paramGroups.length > 0) {
      throw new Error(`${this.name} doesn't support per-parameter options (parameter groups): it takes a single group of parameters, and got a second one`);
    }
    super.addParamGroup(input);
  }

  /**
   * Runs up to `maxIter` L-BFGS iterations, calling `closure` to re-evaluate the loss and the
   * gradients (at least once, at most `maxEval` times). Returns what the first call returned:
   * the loss before the update.
   */
  override step<R = undefined>(closure?: () => R): R | undefined {
    if (typeof closure !== "function") {
      throw new TypeError(`${this.name}.step: needs a closure that re-evaluates the model and returns the loss, e.g. step(() => { optimizer.zeroGrad(); const loss = f(); loss.backward(); return loss; })`);
    }
    const evaluate = closure as unknown as LBFGSClosure;
    const origLoss = evaluate() as unknown;
    const loss = this.lossValue(origLoss);
    scope(() => this.iterate(evaluate, loss));
    return origLoss as R;
  }

  /**
   * The run's state under the position of the first parameter, as PyTorch stores it. The
   * history lists are stacked into new tensors; `d` and `prevFlatGrad` are the live buffers.
   */
  override stateDict(): OptimizerStateDict {
    const dict = super.stateDict();
    if (!this.started) return dict;
    const s = this.run;
    const entries: ParamState = { funcEvals: s.funcEvals, nIter: s.nIter };
    const { dtype, device } = this.firstParam;
    const numel = this.numel();
    // The stacked history escapes to the caller; the row views made on the way are freed.
    const created = scope(() =>
      withoutRecording(() => {
        const made: ParamState = {};
        if (s.oldDirs) made.oldDirs = s.oldDirs.length > 0 ? stackRows(s.oldDirs) : zeros([0, numel], { dtype, device });
        if (s.oldStps) made.oldStps = s.oldStps.length > 0 ? stackRows(s.oldStps) : zeros([0, numel], { dtype, device });
        if (s.ro) made.ro = tensor(s.ro, { dtype, device });
        if (s.al) made.al = tensor(s.al, { dtype, device });
        return made;
      }),
    );
    {
      if (s.d) entries.d = s.d;
      if (s.t !== undefined) entries.t = s.t;
      if (created.oldDirs) entries.oldDirs = created.oldDirs;
      if (created.oldStps) entries.oldStps = created.oldStps;
      if (created.ro) entries.ro = created.ro;
      if (s.Hdiag !== undefined) entries.Hdiag = s.Hdiag;
      if (s.prevFlatGrad) entries.prevFlatGrad = s.prevFlatGrad;
      if (s.prevLoss !== undefined) entries.prevLoss = s.prevLoss;
      if (created.al) entries.al = created.al;
    }
    dict.state[0] = entries;
    return dict;
  }

  /**
   * Restores a state dict saved by `stateDict()` of an LBFGS over parameters with as many
   * elements in total; tensors are copied onto the parameters' device and dtype.
   */
  override loadStateDict(stateDict: OptimizerStateDict): void {
    const owner = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== "object" || typeof stateDict.state !== "object" || stateDict.state === null) {
      throw new TypeError(`${owner}: expected { state, paramGroups } as returned by stateDict(), got ${formatValue(stateDict)}`);
    }
    const ids = Object.keys(stateDict.state);
    if (ids.some((id) => Number(id) !== 0)) {
      throw new Error(`${owner}: LBFGS keeps its state under parameter 0, but the state dict has state for parameter(s) ${ids.join(", ")}`);
    }
    const saved = stateDict.state[0];
    const loaded = withoutRecording(() => this.parseState(saved, owner));
    try {
      // Group layout and options: checked and restored by the base class (with no per-parameter state).
      super.loadStateDict({ ...stateDict, state: {} });
    } catch (err) {
      disposeRun(loaded);
      throw err;
    }
    disposeRun(this.run);
    this.run = loaded;
    this.started = saved !== undefined;
  }

  // ---- the algorithm -------------------------------------------------------------------------

  private get firstParam(): Tensor {
    return this.paramGroups[0]!.params[0]!;
  }

  private numel(): number {
    return this.paramGroups[0]!.params.reduce((total, p) => total + p.numel(), 0);
  }

  private lossValue(loss: unknown): number {
    if (typeof loss === "number") return loss;
    if (isTensor(loss)) {
      if (loss.numel() !== 1) throw new Error(`${this.name}.step: the closure must return a scalar loss, got a tensor of ${loss.numel()} elements`);
      return loss.itemSync();
    }
    if (loss !== null && typeof loss === "object" && typeof (loss as { then?: unknown }).then === "function") {
      throw new TypeError(`${this.name}.step: the closure returned a Promise; LBFGS calls it several times per step and needs a synchronous closure`);
    }
    throw new TypeError(`${this.name}.step: the closure must return the loss (a Tensor or a number), got ${formatValue(loss)}`);
  }

  /** All gradients as one flat vector (zeros for parameters without a gradient). */
  private gatherFlatGrad(): Tensor {
    return withoutRecording(() => {
      const views = this.paramGroups[0]!.params.map((param) => {
        const grad = this.gradOf(param);
        return grad ? grad.reshape(-1) : zeros([param.numel()], { dtype: param.dtype, device: param.device });
      });
      return views.length === 1 ? views[0]!.clone() : cat(views, 0);
    });
  }

  /** params += stepSize · update, where `update` is flat. */
  private addGrad(stepSize: number, update: Tensor): void {
    withoutRecording(() =>
      scope(() => {
        let offset = 0;
        for (const param of this.paramGroups[0]!.params) {
          const numel = param.numel();
          param.add_(update.narrow(0, offset, numel).view(param.shape), stepSize);
          offset += numel;
        }
      }),
    );
  }

  /** Loss and flat gradient at params + t · d; the parameters are restored to `x` afterwards. */
  private directionalEvaluate(closure: LBFGSClosure, x: Tensor[], t: number, d: Tensor): [number, Tensor] {
    return scope(() => {
      this.addGrad(t, d);
      const loss = this.lossValue(closure());
      const flatGrad = this.gatherFlatGrad();
      withoutRecording(() => this.paramGroups[0]!.params.forEach((param, i) => param.copy_(x[i]!)));
      return [loss, flatGrad] as [number, Tensor];
    });
  }

  private iterate(closure: LBFGSClosure, firstLoss: number): void {
    const group = this.paramGroups[0] as ParamGroup<LBFGSOptions>;
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const S = new Scalars(this.firstParam.dtype);
    const state = this.run;
    this.started = true;
    const maxAbs = (v: Tensor): Scalar => S.tensor(withoutRecording(() => v.abs().max().itemSync()));
    const dot = (a: Tensor, b: Tensor): Scalar => S.tensor(withoutRecording(() => a.dot(b).itemSync()));

    let loss = firstLoss;
    let currentEvals = 1;
    state.funcEvals += 1;
    let flatGrad = this.gatherFlatGrad();
    let optCond = S.le(maxAbs(flatGrad), S.py(toleranceGrad));
    if (optCond) return;

    let d = state.d;
    let t: Scalar | undefined = state.t === undefined ? undefined : S.py(state.t);
    let oldDirs = state.oldDirs;
    let oldStps = state.oldStps;
    let ro = state.ro?.map((value) => S.tensor(value));
    let Hdiag = state.Hdiag;
    let prevFlatGrad = state.prevFlatGrad;
    let prevLoss = state.prevLoss;
    const before = new Set<Tensor>([d, prevFlatGrad, ...(oldDirs ?? []), ...(oldStps ?? [])].filter((v): v is Tensor => v !== undefined));

    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter++;

      // The search direction: steepest descent at first, then the two-loop recursion.
      if (state.nIter === 1 || !d || !t || !prevFlatGrad || !oldDirs || !oldStps || !ro) {
        d = withoutRecording(() => flatGrad.neg());
        oldDirs = [];
        oldStps = [];
        ro = [];
        Hdiag = 1;
      } else {
        const [dirs, stps, ros] = [oldDirs, oldStps, ro];
        const [y, s] = withoutRecording(() => [flatGrad.sub(prevFlatGrad!), d!.mul(S.round(t!.value))]);
        const ys = dot(y, s);
        if (S.gt(ys, S.py(1e-10))) {
          if (dirs.length === historySize) {
            dirs.shift();
            stps.shift();
            ros.shift();
          }
          dirs.push(y);
          stps.push(s);
          ros.push(S.div(S.py(1), ys));
          Hdiag = S.div(ys, dot(y, y)).value;
        }
        const numOld = dirs.length;
        if (!state.al) state.al = new Array<number>(historySize).fill(0);
        const al = state.al.map((value) => S.tensor(value));
        d = withoutRecording(() => {
          const q = flatGrad.neg();
          for (let i = numOld - 1; i >= 0; i--) {
            al[i] = S.mul(dot(stps[i]!, q), ros[i]!);
            q.add_(dirs[i]!, S.round(-al[i]!.value));
          }
          const r = q.mul(S.round(Hdiag!));
          for (let i = 0; i < numOld; i++) {
            const be = S.mul(dot(dirs[i]!, r), ros[i]!);
            r.add_(stps[i]!, S.sub(al[i]!, be).value);
          }
          return r;
        });
        state.al = al.map((value) => value.value);
      }

      if (prevFlatGrad === undefined) {
        prevFlatGrad = withoutRecording(() => flatGrad.clone());
      } else {
        const target = prevFlatGrad;
        withoutRecording(() => target.copy_(flatGrad));
      }
      prevLoss = loss;

      // The step length: the first ever iteration is scaled by the gradient, later ones start at lr.
      if (state.nIter === 1) {
        const absSum = S.tensor(withoutRecording(() => flatGrad.abs().sum().itemSync()));
        t = S.mul(S.min(S.py(1), S.div(S.py(1), absSum)), S.py(lr));
      } else {
        t = S.py(lr);
      }

      const gtd = dot(flatGrad, d);
      if (S.gt(gtd, S.py(-toleranceChange))) break;

      let lsFuncEvals = 0;
      if (lineSearchFn === "strong_wolfe") {
        const x = withoutRecording(() => this.paramGroups[0]!.params.map((param) => param.clone()));
        const direction = d;
        const objective = (xs: Tensor[], step: Scalar): [number, Tensor] => this.directionalEvaluate(closure, xs, S.round(step.value), direction);
        const result = strongWolfe(S, objective, x, t, direction, loss, flatGrad, gtd);
        [loss, flatGrad, t, lsFuncEvals] = result;
        this.addGrad(S.round(t.value), d);
        optCond = S.le(maxAbs(flatGrad), S.py(toleranceGrad));
      } else {
        this.addGrad(S.round(t.value), d);
        if (nIter !== maxIter) {
          // Re-evaluate at the new point; the closure's tensors are freed as soon as its loss is read.
          [loss, flatGrad] = scope(() => [this.lossValue(closure()), this.gatherFlatGrad()] as [number, Tensor]);
          optCond = S.le(maxAbs(flatGrad), S.py(toleranceGrad));
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals += lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      const stepSize = withoutRecording(() => d!.mul(S.round(t!.value)));
      if (S.le(maxAbs(stepSize), S.py(toleranceChange))) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }

    // Keep the new buffers across the step's scope; free the ones the run no longer holds.
    const after = new Set<Tensor>([d, prevFlatGrad, ...(oldDirs ?? []), ...(oldStps ?? [])].filter((v): v is Tensor => v !== undefined));
    for (const tensor of after) if (!before.has(tensor)) keep(tensor);
    for (const tensor of before) if (!after.has(tensor)) tensor.dispose();
    state.d = d;
    state.t = t?.value;
    state.oldDirs = oldDirs;
    state.oldStps = oldStps;
    state.ro = ro?.map((value) => value.value);
    state.Hdiag = Hdiag;
    state.prevFlatGrad = prevFlatGrad;
    state.prevLoss = prevLoss;
  }

  /** Checks a saved state entry and copies its tensors onto the parameters' device and dtype. */
  private parseState(saved: ParamState | undefined, owner: string): LBFGSState {
    const run: LBFGSState = { funcEvals: 0, nIter: 0 };
    if (saved === undefined) return run;
    if (saved === null || typeof saved !== "object") throw new TypeError(`${owner}: state of parameter 0 must be an object, got ${formatValue(saved)}`);
    const numel = this.numel();
    const { dtype, device } = this.firstParam;
    const numberAt = (key: string): number | undefined => {
      const value = saved[key];
      if (value === undefined) return undefined;
      if (typeof value !== "number") throw new TypeError(`${owner}: state "${key}" must be a number, got ${formatValue(value)}`);
      return value;
    };
    const tensorAt = (key: string, expected: string, fits: (shape: readonly number[]) => boolean): Tensor | undefined => {
      const value = saved[key];
      if (value === undefined) return undefined;
      if (!isTensor(value)) throw new TypeError(`${owner}: state "${key}" must be a Tensor, got ${formatValue(value)}`);
      if (!fits(value.shape)) throw new Error(`${owner}: state "${key}" has shape [${value.shape.join(", ")}], expected ${expected}`);
      return value;
    };
    const copy = (t: Tensor): Tensor => {
      const moved = t.to({ device, dtype });
      return keep(moved === t ? t.clone() : moved);
    };
    const flat = (shape: readonly number[]): boolean => shape.length === 1 && shape[0] === numel;
    const matrix = (shape: readonly number[]): boolean => shape.length === 2 && shape[1] === numel;
    const list = (shape: readonly number[]): boolean => shape.length === 1;
    try {
      for (const key of Object.keys(saved)) {
        if (!(STATE_KEYS as readonly string[]).includes(key)) {
          throw new Error(`${owner}: state of parameter 0 has an entry "${key}" that LBFGS does not use (expected ${STATE_KEYS.join(", ")}); was it saved by another optimizer?`);
        }
      }
      run.funcEvals = numberAt("funcEvals") ?? 0;
      run.nIter = numberAt("nIter") ?? 0;
      run.t = numberAt("t");
      run.Hdiag = numberAt("Hdiag");
      run.prevLoss = numberAt("prevLoss");
      const d = tensorAt("d", `[${numel}]`, flat);
      const prev = tensorAt("prevFlatGrad", `[${numel}]`, flat);
      const dirs = tensorAt("oldDirs", `[pairs, ${numel}]`, matrix);
      const stps = tensorAt("oldStps", `[pairs, ${numel}]`, matrix);
      const ro = tensorAt("ro", "[pairs]", list);
      const al = tensorAt("al", "[historySize]", list);
      const history = [dirs, stps, ro].filter((v) => v !== undefined).length;
      if (history !== 0 && history !== 3) throw new Error(`${owner}: the state needs all of oldDirs, oldStps and ro, or none of them`);
      if (dirs && stps && ro && (stps.shape[0] !== dirs.shape[0] || ro.shape[0] !== dirs.shape[0])) {
        throw new Error(`${owner}: oldDirs, oldStps and ro must hold as many pairs, got [${dirs.shape.join(", ")}], [${stps.shape.join(", ")}] and [${ro.shape.join(", ")}]`);
      }
      if (d) run.d = copy(d);
      if (prev) run.prevFlatGrad = copy(prev);
      if (dirs && stps && ro) {
        run.oldDirs = [];
        run.oldStps = [];
        for (let i = 0; i < dirs.shape[0]!; i++) {
          run.oldDirs.push(scope(() => copy(dirs.select(0, i))));
          run.oldStps.push(scope(() => copy(stps.select(0, i))));
        }
        run.ro = Array.from(ro.dataSync() as ArrayLike<number>, Number);
      }
      if (al) run.al = Array.from(al.dataSync() as ArrayLike<number>, Number);
    } catch (err) {
      disposeRun(run);
      throw err;
    }
    return run;
  }
}

// ---- scalars as PyTorch holds them ----------------------------------------------------------

/**
 * A scalar of the algorithm: either a plain double (a Python float in PyTorch) or the value of
 * a 0-d tensor of the parameters' dtype (a dot product and what is computed from it). Mixed
 * arithmetic follows PyTorch's rule: a tensor operand makes the result a tensor, computed in the
 * tensor's dtype, with the double rounded to that dtype first.
 */
interface Scalar {
  readonly value: number;
  readonly tensor: boolean;
}

class Scalars {
  /** Rounds a double to the parameters' dtype. */
  readonly round: (x: number) => number;

  constructor(dtype: string) {
    this.round = dtype === "float64" ? (x) => x : Math.fround;
  }

  py(value: number): Scalar {
    return { value, tensor: false };
  }

  tensor(value: number): Scalar {
    return { value: this.round(value), tensor: true };
  }

  private binary(a: Scalar, b: Scalar, op: (x: number, y: number) => number): Scalar {
    if (!a.tensor && !b.tensor) return this.py(op(a.value, b.value));
    return this.tensor(op(this.round(a.value), this.round(b.value)));
  }

  add(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x + y);
  }

  sub(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x - y);
  }

  mul(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x * y);
  }

  div(a: Scalar, b: Scalar): Scalar {
    return this.binary(a, b, (x, y) => x / y);
  }

  abs(a: Scalar): Scalar {
    return { value: Math.abs(a.value), tensor: a.tensor };
  }

  sqrt(a: Scalar): Scalar {
    return a.tensor ? this.tensor(Math.sqrt(a.value)) : this.py(Math.sqrt(a.value));
  }

  private compare(a: Scalar, b: Scalar): [number, number] {
    return a.tensor || b.tensor ? [this.round(a.value), this.round(b.value)] : [a.value, b.value];
  }

  lt(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x < y;
  }

  le(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x <= y;
  }

  gt(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x > y;
  }

  ge(a: Scalar, b: Scalar): boolean {
    const [x, y] = this.compare(a, b);
    return x >= y;
  }

  /** Python's max(a, b): `a` unless `b` is larger. */
  max(a: Scalar, b: Scalar): Scalar {
    return this.gt(b, a) ? b : a;
  }

  /** Python's min(a, b): `a` unless `b` is smaller. */
  min(a: Scalar, b: Scalar): Scalar {
    return this.lt(b, a) ? b : a;
  }
}

/**
 * The minimizer of the cubic through (x1, f1) and (x2, f2) with slopes g1 and g2, clamped to
 * `bounds` (default: the interval between x1 and x2); the middle of the bounds when the cubic
 * has no minimum.
 */
function cubicInterpolate(S: Scalars, x1: Scalar, f1: Scalar, g1: Scalar, x2: Scalar, f2: Scalar, g2: Scalar, bounds?: [Scalar, Scalar]): Scalar {
  const [low, high] = bounds ?? (S.le(x1, x2) ? [x1, x2] : [x2, x1]);
  const three = S.py(3);
  const d1 = S.sub(S.add(g1, g2), S.div(S.mul(three, S.sub(f1, f2)), S.sub(x1, x2)));
  const d2Square = S.sub(S.mul(d1, d1), S.mul(g1, g2));
  if (S.ge(d2Square, S.py(0))) {
    const d2 = S.sqrt(d2Square);
    const two = S.py(2);
    const minPos = S.le(x1, x2)
      ? S.sub(x2, S.mul(S.sub(x2, x1), S.div(S.sub(S.add(g2, d2), d1), S.add(S.sub(g2, g1), S.mul(two, d2)))))
      : S.sub(x1, S.mul(S.sub(x1, x2), S.div(S.sub(S.add(g1, d2), d1), S.add(S.sub(g1, g2), S.mul(two, d2)))));
    return S.min(S.max(minPos, low), high);
  }
  return S.div(S.add(low, high), S.py(2));
}

/**
 * A line search along `d` from the parameters `x` (loss `f`, gradient `g`, slope `gtd`) for a
 * step `t` satisfying the strong Wolfe conditions (sufficient decrease c1 = 1e-4, curvature
 * c2 = 0.9): first widen the step until a bracket holds a minimum, then shrink the bracket
 * with safeguarded cubic interpolation; at most 25 evaluations. Returns the loss and gradient at
 * the chosen step, the step, and the number of evaluations.
 */
function strongWolfe(
  S: Scalars,
  objective: (x: Tensor[], t: Scalar) => [number, Tensor],
  x: Tensor[],
  t: Scalar,
  d: Tensor,
  f: number,
  g: Tensor,
  gtd: Scalar,
): [number, Tensor, Scalar, number] {
  const c1 = S.py(1e-4);
  const c2 = S.py(0.9);
  const toleranceChange = S.py(1e-9);
  const maxLs = 25;
  const dot = (a: Tensor, b: Tensor): Scalar => S.tensor(withoutRecording(() => a.dot(b).itemSync()));
  const dNorm = S.tensor(withoutRecording(() => d.abs().max().itemSync()));
  const fS = S.py(f);
  // Sufficient decrease: f_new ≤ f + c1 · t · gtd.
  const armijoFails = (fNew: number, step: Scalar): boolean => S.gt(S.py(fNew), S.add(fS, S.mul(S.mul(c1, step), gtd)));
  const curvatureHolds = (slope: Scalar): boolean => S.le(S.abs(slope), S.mul(S.py(-c2.value), gtd));

  let [fNew, gNew] = objective(x, t);
  let lsFuncEvals = 1;
  let gtdNew = dot(gNew, d);

  let tPrev = S.py(0);
  let fPrev = f;
  let gPrev = g;
  let gtdPrev = gtd;
  let done = false;
  let lsIter = 0;
  let bracket: Scalar[] = [];
  let bracketF: number[] = [];
  let bracketG: Tensor[] = [];
  let bracketGtd: Scalar[] = [];

  // Widen the step until a bracket contains a point satisfying the conditions.
  while (lsIter < maxLs) {
    if (armijoFails(fNew, t) || (lsIter > 1 && S.ge(S.py(fNew), S.py(fPrev)))) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    if (curvatureHolds(gtdNew)) {
      [bracket, bracketF, bracketG] = [[t], [fNew], [gNew]];
      done = true;
      break;
    }
    if (S.ge(gtdNew, S.py(0))) {
      [bracket, bracketF, bracketG, bracketGtd] = [[tPrev, t], [fPrev, fNew], [gPrev, gNew], [gtdPrev, gtdNew]];
      break;
    }
    // Extrapolate: a cubic step between 1.01 t − 0.01 t_prev and 10 t.
    const minStep = S.add(t, S.mul(S.py(0.01), S.sub(t, tPrev)));
    const maxStep = S.mul(t, S.py(10));
    const previous = t;
    t = cubicInterpolate(S, tPrev, S.py(fPrev), gtdPrev, t, S.py(fNew), gtdNew, [minStep, maxStep]);
    tPrev = previous;
    fPrev = fNew;
    gPrev = gNew;
    gtdPrev = gtdNew;
    [fNew, gNew] = objective(x, t);
    lsFuncEvals++;
    gtdNew = dot(gNew, d);
    lsIter++;
  }
  if (lsIter === maxLs) {
    [bracket, bracketF, bracketG] = [[S.py(0), t], [f, fNew], [g, gNew]];
  }

  // Zoom: shrink the bracket until the step satisfies the conditions.
  let insufficientProgress = false;
  let [lowPos, highPos] = bracketF[0]! <= bracketF[bracketF.length - 1]! ? [0, 1] : [1, 0];
  while (!done && lsIter < maxLs) {
    if (S.lt(S.mul(S.abs(S.sub(bracket[1]!, bracket[0]!)), dNorm), toleranceChange)) break;
    t = cubicInterpolate(S, bracket[0]!, S.py(bracketF[0]!), bracketGtd[0]!, bracket[1]!, S.py(bracketF[1]!), bracketGtd[1]!);

    // Safeguard: a step too close to an end of the bracket moves to 10% inside it, unless the
    // previous step was already close and inside (insufficient progress once is tolerated).
    const top = S.max(bracket[0]!, bracket[1]!);
    const bottom = S.min(bracket[0]!, bracket[1]!);
    const eps = S.mul(S.py(0.1), S.sub(top, bottom));
    if (S.lt(S.min(S.sub(top, t), S.sub(t, bottom)), eps)) {
      if (insufficientProgress || S.ge(t, top) || S.le(t, bottom)) {
        t = S.lt(S.abs(S.sub(t, top)), S.abs(S.sub(t, bottom))) ? S.sub(top, eps) : S.add(bottom, eps);
        insufficientProgress = false;
      } else {
        insufficientProgress = true;
      }
    } else {
      insufficientProgress = false;
    }

    [fNew, gNew] = objective(x, t);
    lsFuncEvals++;
    gtdNew = dot(gNew, d);
    lsIter++;

    if (armijoFails(fNew, t) || S.ge(S.py(fNew), S.py(bracketF[lowPos]!))) {
      // The new point is worse: it becomes the high end.
      bracket[highPos] = t;
      bracketF[highPos] = fNew;
      bracketG[highPos] = gNew;
      bracketGtd[highPos] = gtdNew;
      [lowPos, highPos] = bracketF[0]! <= bracketF[1]! ? [0, 1] : [1, 0];
    } else {
      if (curvatureHolds(gtdNew)) {
        done = true;
      } else if (S.ge(S.mul(gtdNew, S.sub(bracket[highPos]!, bracket[lowPos]!)), S.py(0))) {
        // The minimum lies on the other side of the new point: the old low end becomes the high end.
        bracket[highPos] = bracket[lowPos]!;
        bracketF[highPos] = bracketF[lowPos]!;
        bracketG[highPos] = bracketG[lowPos]!;
        bracketGtd[highPos] = bracketGtd[lowPos]!;
      }
      bracket[lowPos] = t;
      bracketF[lowPos] = fNew;
      bracketG[lowPos] = gNew;
      bracketGtd[lowPos] = gtdNew;
    }
  }
  return [bracketF[lowPos]!, bracketG[lowPos]!, bracket[lowPos]!, lsFuncEvals];
}

// ---- helpers ----------------------------------------------------------------------------------

function withMaxEval(options: Partial<LBFGSOptions>): Partial<LBFGSOptions> {
  if (options.maxEval !== undefined) return options;
  const maxIter = options.maxIter ?? 20;
  // PyTorch: max_iter * 5 // 4.
  return typeof maxIter === "number" ? { ...options, maxEval: Math.floor((maxIter * 5) / 4) } : options;
}

function checkPositiveInteger(owner: string, option: string, value: unknown, where: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`${owner}: invalid ${option}: ${formatValue(value)} (expected an integer ≥ 1)${where}`);
  }
}

function stackRows(rows: Tensor[]): Tensor {
  return cat(rows.map((row) => row.unsqueeze(0)), 0);
}

function disposeRun(run: LBFGSState): void {
  for (const t of [run.d, run.prevFlatGrad, ...(run.oldDirs ?? []), ...(run.oldStps ?? [])]) if (t && !t.isDisposed) t.dispose();
}
