/**
 * The autograd engine: records graph nodes as the tensor layer reports ops, and runs backward
 * in dependency order, accumulating gradients into leaves. Every intermediate gradient is owned
 * by the engine and disposed as soon as it has been consumed; saved tensors are freed when a
 * node has run (unless retainGraph), so long training loops do not grow memory.
 */
import { keep, ones, trackGraphNode, untracked, zeros } from "@trek/tensor";
import type { AutogradEngine, BackwardOptions, GradNode, OpAttrs, Tensor } from "@trek/tensor";
import { isGradEnabled, setGradEnabled } from "./grad-mode.js";
import { gradRules, type GradContext, type GradRule, type TensorMeta } from "./rules/index.js";

export type Hook = (grad: Tensor) => Tensor | void;

interface Edge {
  readonly node: Node;
  readonly index: number;
}

interface SavedTensor {
  readonly handle: Tensor;
  readonly version: number;
}

/** Per-tensor engine state, kept in `tensor._autograd`. */
interface TensorState {
  accumulator?: AccumulateGrad;
  hooks?: Hook[];
}

function stateOf(t: Tensor): TensorState {
  if (t._autograd === undefined) t._autograd = {} as TensorState;
  return t._autograd as TensorState;
}

function metaOf(t: Tensor): TensorMeta {
  return { shape: t.shape, dtype: t.dtype, device: t.device };
}

function capitalize(op: string): string {
  return op.charAt(0).toUpperCase() + op.slice(1);
}

/** Base of graph nodes: edges point to the nodes producing each input's gradient. */
export abstract class Node implements GradNode {
  abstract readonly name: string;
  edges: (Edge | null)[] = [];
  get nextNodes(): readonly (Node | null)[] {
    return this.edges.map((e) => e?.node ?? null);
  }
  abstract release(): void;
}

/** A recorded op. */
export class FunctionNode extends Node {
  readonly name: string;
  inputMeta: TensorMeta[] = [];
  outputMeta: TensorMeta[] = [];
  savedInputs: (SavedTensor | null)[] = [];
  savedOutputs: (SavedTensor | null)[] = [];
  /** Hooks registered on non-leaf outputs, by output index. */
  outputHooks: Map<number, Hook[]> | null = null;
  /** Non-leaf outputs whose `.grad` is retained, by output index. */
  retained: Map<number, Tensor> | null = null;
  released = false;

  constructor(
    readonly op: string,
    readonly rule: GradRule,
    readonly attrs: OpAttrs,
  ) {
    super();
    this.name = `${capitalize(op)}Backward`;
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    for (const s of this.savedInputs) s?.handle.dispose();
    for (const s of this.savedOutputs) s?.handle.dispose();
  }

  unpack(saved: SavedTensor | null | undefined, what: string): Tensor | undefined {
    if (!saved) return undefined;
    if (this.released) throw freedGraphError(this.name);
    if (saved.handle.version !== saved.version) {
      const shape = `[${saved.handle.shape.join(", ")}]`;
      throw new Error(
        `backward: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
          `${what} of ${this.name} (${saved.handle.dtype}${shape}) is at version ${saved.handle.version}; expected version ` +
          `${saved.version}. Use an out-of-place op (e.g. x.add(y) instead of x.add_(y)) or clone() the tensor before modifying it.`,
      );
    }
    return saved.handle;
  }
}

/** Sink for a leaf tensor's gradient. */
export class AccumulateGrad extends Node {
  readonly name = "AccumulateGrad";
  constructor(readonly leaf: Tensor) {
    super();
  }
  release(): void {}
}

function freedGraphError(name: string): Error {
  return new Error(
    `backward: trying to backward through the graph a second time (${name} has already freed its saved tensors). ` +
      `Saved values are freed when backward() or grad() runs; pass { retainGraph: true } to the first call ` +
      `if you need to backward through the same graph again.`,
  );
}

function save(t: Tensor): SavedTensor {
  // The handle is owned by the node, not by the surrounding scope. It keeps the tensor's place in
  // the graph so that rules run with createGraph differentiate through saved values too.
  const handle = untracked(() => t.detach());
  if (t.requiresGrad) {
    handle._requiresGrad = true;
    handle.gradFn = t.gradFn;
    handle._outputIndex = t._outputIndex;
    if (!t.gradFn) {
      const state = stateOf(t);
      state.accumulator ??= new AccumulateGrad(t);
      handle._autograd = state;
    }
  }
  return { handle, version: t.version };
}

function edgeTo(t: Tensor): Edge {
  if (t.gradFn) return { node: t.gradFn as Node, index: t._outputIndex };
  const state = stateOf(t);
  state.accumulator ??= new AccumulateGrad(t);
  return { node: state.accumulator, index: 0 };
}

/** Creates and attaches a node; used for recorded ops and custom functions alike. */
export function createNode(op: string, rule: GradRule, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs): FunctionNode {
  const node = new FunctionNode(op, rule, attrs);
  node.edges = inputs.map((t) => (t.requiresGrad ? edgeTo(t) : null));
  node.inputMeta = inputs.map(metaOf);
  const saves = rule.saves;
  if (saves === "x" || saves === "xy") node.savedInputs = inputs.map(save);
  else if (saves === "x0") node.savedInputs = [save(inputs[0]!)];
  node.outputMeta = outputs.map(metaOf);
  outputs.forEach((t, i) => {
    if (!t.isFloatingPoint()) return;
    t.gradFn = node;
    t._outputIndex = i;
    t._requiresGrad = true;
  });
  // Saved after the outputs joined the graph, so a double backward can flow through them.
  if (saves === "y" || saves === "xy") node.savedOutputs = outputs.map(save);
  trackGraphNode(node);
  return node;
}

function record(op: string, inputs: readonly Tensor[], outputs: readonly Tensor[], attrs: OpAttrs): void {
  const rule = gradRules[op];
  if (!rule) {
    throw new Error(`autograd: no gradient rule for op "${op}"; it cannot be differentiated (report this as a bug)`);
  }
  createNode(op, rule, inputs, outputs, attrs);
}

// ---- backward ---------------------------------------------------------------------------------

/** Sums a gradient down to an input's shape (undoing broadcasting) and matches its dtype. */
function fitToInput(g: Tensor, meta: TensorMeta): Tensor {
  let out = g;
  const target = meta.shape;
  if (out.ndim !== target.length || out.shape.some((s, i) => s !== target[i])) {
    const lead = out.ndim - target.length;
    const dims: number[] = [];
    for (let i = 0; i < out.ndim; i++) {
      if (i < lead || (target[i - lead] === 1 && out.shape[i] !== 1)) dims.push(i);
    }
    const summed = dims.length ? out.sum(dims, true) : out;
    const reshaped = summed.reshape(target);
    if (summed !== out) summed.dispose();
    out = reshaped;
  }
  if (out.dtype !== meta.dtype) {
    const casted = out.to(meta.dtype);
    if (out !== g) out.dispose();
    out = casted;
  }
  return out;
}

/** A separately disposable handle to the same gradient (keeps the graph when recording). */
function alias(g: Tensor, createGraph: boolean): Tensor {
  return createGraph ? g.reshape(g.shape) : g.detach();
}

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** Leaves/non-leaves whose gradient is returned instead of accumulated (autograd.grad). */
  capture: Tensor[] | null;
  /** backward(inputs=…): accumulate only into these. */
  only: Tensor[] | null;
}

function checkRoot(t: Tensor, gradient: Tensor | null | undefined, op: string): void {
  t._check(op);
  if (!t.requiresGrad) {
    throw new Error(
      `${op}: the tensor does not require grad and has no gradFn. Create its inputs with { requiresGrad: true } ` +
        `(and run the forward pass outside noGrad) to compute gradients.`,
    );
  }
  if (!gradient && t.numel() !== 1) {
    throw new Error(
      `${op}: grad can be implicitly created only for scalar outputs, got shape [${t.shape.join(", ")}]. ` +
        `Pass a gradient of the same shape, e.g. y.backward(onesLike(y)), or reduce first (y.sum().backward()).`,
    );
  }
  if (gradient && (gradient.ndim !== t.ndim || gradient.shape.some((s, i) => s !== t.shape[i]))) {
    throw new Error(
      `${op}: gradient shape [${gradient.shape.join(", ")}] does not match the tensor's shape [${t.shape.join(", ")}]`,
    );
  }
}

function run(roots: readonly Tensor[], seeds: readonly (Tensor | null | undefined)[], options: RunOptions): Map<Tensor, Tensor | null> {
  const { createGraph } = options;
  const captured = new Map<Tensor, Tensor | null>();
  const targets = options.capture ?? options.only;
  // Where captured non-leaf gradients come from.
  const captureAt = new Map<Node, Map<number, Tensor[]>>();
  const targetNodes = new Set<Node>();
  if (targets) {
    for (const t of targets) {
      const edge = t.requiresGrad ? edgeTo(t) : null;
      if (options.capture) captured.set(t, null);
      if (!edge) continue;
      targetNodes.add(edge.node);
      if (options.capture && !(edge.node instanceof AccumulateGrad)) {
        let byIndex = captureAt.get(edge.node);
        if (!byIndex) captureAt.set(edge.node, (byIndex = new Map()));
        byIndex.set(edge.index, [...(byIndex.get(edge.index) ?? []), t]);
      }
    }
  }
  const rootEdges = roots.map(edgeTo);

  // Nodes reachable from the roots, and (with targets) which of them lead to a target.
  const reachable: Node[] = [];
  const seen = new Set<Node>();
  const stack = rootEdges.map((e) => e.node);
  while (stack.length) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    reachable.push(node);
    for (const e of node.edges) if (e && !seen.has(e.node)) stack.push(e.node);
  }
  let needed: Set<Node> | null = null;
  if (targets) {
    needed = new Set<Node>();
    const leadsToTarget = (node: Node, visiting: Set<Node>): boolean => {
      if (needed!.has(node)) return true;
      if (visiting.has(node)) return false;
      visiting.add(node);
      let leads = targetNodes.has(node);
      for (const e of node.edges) if (e && leadsToTarget(e.node, visiting)) leads = true;
      if (leads) needed!.add(node);
      return leads;
    };
    const visiting = new Set<Node>();
    for (const node of reachable) leadsToTarget(node, visiting);
  }
  const isNeeded = (node: Node): boolean => needed === null || needed.has(node);

  const dependencies = new Map<Node, number>();
  for (const node of reachable) {
    if (!isNeeded(node)) continue;
    for (const e of node.edges) if (e && isNeeded(e.node)) dependencies.set(e.node, (dependencies.get(e.node) ?? 0) + 1);
  }

  const buffers = new Map<Node, (Tensor | null)[]>();
  const addToBuffer = (node: Node, index: number, g: Tensor): void => {
    let slots = buffers.get(node);
    if (!slots) buffers.set(node, (slots = []));
    const existing = slots[index];
    if (existing) {
      slots[index] = existing.add(g);
      existing.dispose();
      g.dispose();
    } else slots[index] = g;
  };
  rootEdges.forEach((edge, i) => {
    const seed = seeds[i];
    const g = seed ? alias(seed, createGraph) : ones(roots[i]!.shape, { dtype: roots[i]!.dtype, device: roots[i]!.device });
    addToBuffer(edge.node, edge.index, g);
  });

  const ready: Node[] = [];
  for (const edge of rootEdges) {
    if (!dependencies.get(edge.node) && !ready.includes(edge.node) && isNeeded(edge.node)) ready.push(edge.node);
  }

  const previousMode = setGradEnabled(createGraph);
  try {
    while (ready.length) {
      const node = ready.pop()!;
      const grads = buffers.get(node) ?? [];
      buffers.delete(node);
      if (node instanceof AccumulateGrad) {
        finishLeaf(node, grads[0] ?? null, options, captured);
        continue;
      }
      const fn = node as FunctionNode;
      applyOutputHooksAndRetain(fn, grads, captureAt.get(fn), captured, createGraph);
      const inputGrads = runRule(fn, grads, createGraph);
      for (const g of grads) g?.dispose();
      fn.edges.forEach((edge, i) => {
        if (!edge || !isNeeded(edge.node)) {
          inputGrads[i]?.dispose();
          return;
        }
        const g = inputGrads[i];
        if (g) addToBuffer(edge.node, edge.index, g);
        const remaining = dependencies.get(edge.node)! - 1;
        dependencies.set(edge.node, remaining);
        if (remaining === 0) ready.push(edge.node);
      });
      if (!options.retainGraph) fn.release();
    }
  } catch (err) {
    for (const slots of buffers.values()) for (const g of slots) g?.dispose();
    throw err;
  } finally {
    setGradEnabled(previousMode);
  }
  return captured;
}

function runRule(node: FunctionNode, grads: (Tensor | null)[], createGraph: boolean): (Tensor | null)[] {
  const savedInputs = node.savedInputs.map((s, i) => node.unpack(s, `input ${i}`)) as Tensor[];
  const savedOutputs = node.savedOutputs.map((s, i) => node.unpack(s, `output ${i}`)) as Tensor[];
  if (node.released && (node.savedInputs.length || node.savedOutputs.length)) throw freedGraphError(node.name);
  const first = node.outputMeta[0]!;
  const dy = grads[0] ?? zeros(first.shape, { dtype: first.dtype, device: first.device });
  const ctx: GradContext = {
    dy,
    dys: node.outputMeta.map((_, i) => grads[i] ?? null),
    x: savedInputs[0]!,
    inputs: savedInputs,
    y: savedOutputs[0]!,
    outputs: savedOutputs,
    attrs: node.attrs,
    inputMeta: node.inputMeta,
    needs: node.edges.map((e) => e !== null),
    createGraph,
  };
  let raw: (Tensor | null)[];
  try {
    raw = node.rule.backward(ctx);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const wrapped = new Error(`backward through ${node.name} failed: ${reason}`);
    (wrapped as { cause?: unknown }).cause = err;
    throw wrapped;
  } finally {
    if (dy !== grads[0]) dy.dispose();
  }
  // Own each returned gradient separately: rules may return dy itself or one tensor twice.
  const owned = new Set<Tensor>();
  const out: (Tensor | null)[] = [];
  for (let i = 0; i < node.edges.length; i++) {
    let g = raw[i] ?? null;
    if (!g || !node.edges[i]) {
      out.push(null);
      continue;
    }
    if (owned.has(g) || grads.includes(g)) g = alias(g, createGraph);
    owned.add(g);
    const fitted = fitToInput(g, node.inputMeta[i]!);
    if (fitted !== g) g.dispose();
    out.push(fitted);
  }
  for (const g of raw) if (g && !owned.has(g) && !grads.includes(g) && !out.includes(g)) g.dispose();
  return out;
}

function runHooks(hooks: Hook[] | undefined, g: Tensor): Tensor {
  if (!hooks) return g;
  let current = g;
  for (const hook of hooks) {
    const replaced = hook(current);
    if (replaced && replaced !== current) {
      current.dispose();
      current = replaced;
    }
  }
  return current;
}

function applyOutputHooksAndRetain(
  node: FunctionNode,
  grads: (Tensor | null)[],
  captureHere: Map<number, Tensor[]> | undefined,
  captured: Map<Tensor, Tensor | null>,
  createGraph: boolean,
): void {
  for (let i = 0; i < grads.length; i++) {
    let g = grads[i];
    if (!g) continue;
    g = runHooks(node.outputHooks?.get(i), g);
    grads[i] = g;
    const retainedTensor = node.retained?.get(i);
    if (retainedTensor) accumulateInto(retainedTensor, g);
    for (const t of captureHere?.get(i) ?? []) captured.set(t, alias(g, createGraph));
  }
}

/** `t.grad += g` (a new tensor when recording, in place otherwise); `.grad` survives scopes. */
function accumulateInto(t: Tensor, g: Tensor): void {
  if (!t.grad) {
    t.grad = keep(g.clone());
    return;
  }
  if (isGradEnabled()) {
    const sum = t.grad.add(g);
    t.grad.dispose();
    t.grad = keep(sum);
  } else {
    t.grad.add_(g);
  }
}

function finishLeaf(node: AccumulateGrad, g: Tensor | null, options: RunOptions, captured: Map<Tensor, Tensor | null>): void {
  if (!g) return;
  const leaf = node.leaf;
  const state = stateOf(leaf);
  const grad = runHooks(state.hooks, g);
  if (options.capture) {
    if (captured.has(leaf)) {
      const previous = captured.get(leaf);
      captured.set(leaf, previous ? previous.add(grad) : alias(grad, options.createGraph));
    }
    grad.dispose();
    return;
  }
  if (options.only && !options.only.includes(leaf)) {
    grad.dispose();
    return;
  }
  if (!leaf.grad) {
    // Take the buffer over only when nothing else shares it (rules may hand one storage to
    // several inputs); otherwise store a copy.
    const exclusive = grad.isContiguous() && grad._storage.refs === 1;
    leaf.grad = keep(exclusive ? grad : grad.clone());
    if (leaf.grad !== grad) grad.dispose();
    return;
  }
  accumulateInto(leaf, grad);
  grad.dispose();
}

function backward(t: Tensor, gradient: Tensor | undefined, options: BackwardOptions): void {
  checkRoot(t, gradient, "backward()");
  const createGraph = options.createGraph ?? false;
  run([t], [gradient], {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    capture: null,
    only: options.inputs ? [...options.inputs] : null,
  });
}

export interface GradOptions {
  /** Gradients of the outputs (required for non-scalar outputs). */
  gradOutputs?: readonly (Tensor | null)[];
  retainGraph?: boolean;
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated into
 * `.grad` (like `torch.autograd.grad`).
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], options: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? (outputs as Tensor[]) : [outputs as Tensor];
  const ins = Array.isArray(inputs) ? (inputs as Tensor[]) : [inputs as Tensor];
  outs.forEach((t, i) => checkRoot(t, options.gradOutputs?.[i], "grad()"));
  for (const t of ins) {
    if (!t.requiresGrad) throw new Error("grad(): every input must require grad; one of the inputs does not");
  }
  const createGraph = options.createGraph ?? false;
  const captured = run(outs, options.gradOutputs ?? [], {
    retainGraph: options.retainGraph ?? createGraph,
    createGraph,
    capture: ins,
    only: null,
  });
  return ins.map((t, i) => {
    const g = captured.get(t) ?? null;
    if (!g && !options.allowUnused) {
      throw new Error(
        `grad(): input ${i} (shape [${t.shape.join(", ")}]) was not used in computing the outputs; ` +
          `pass { allowUnused: true } to get null for it`,
      );
    }
    return g;
  });
}

function retainGrad(t: Tensor): void {
  if (!t.requiresGrad) throw new Error("retainGrad(): the tensor does not require grad");
  if (t.isLeaf) return;
  const node = t.gradFn as FunctionNode;
  (node.retained ??= new Map()).set(t._outputIndex, t);
}

function registerHook(t: Tensor, hook: Hook): () => void {
  if (!t.requiresGrad) throw new Error("registerHook(): cannot register a hook on a tensor that does not require grad");
  let list: Hook[];
  if (t.isLeaf) list = stateOf(t).hooks ??= [];
  else {
    const node = t.gradFn as FunctionNode;
    const hooks = (node.outputHooks ??= new Map());
    list = hooks.get(t._outputIndex) ?? [];
    hooks.set(t._outputIndex, list);
  }
  list.push(hook);
  return () => {
    const i = list.indexOf(hook);
    if (i >= 0) list.splice(i, 1);
  };
}

export const engine: AutogradEngine = {
  isGradEnabled,
  record,
  backward,
  retainGrad,
  registerHook,
};
