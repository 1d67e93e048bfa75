/**
 * Recurrent layers: RNN, LSTM, GRU — several layers, bidirectional, batch-first, dropout between
 * layers, initial states, and variable lengths (a PackedSequence, or `lengths` with padded input).
 *
 * Each layer projects the whole input sequence with one matrix product; each step then needs one
 * product with the recurrent weights (all gates of a step at once) and a few elementwise ops.
 * An LSTM direction runs as one autograd node with a hand-written backward (lstm-sequence.ts).
 */
import { ShapeError, Tensor, cat, formatShape, stack, tensor, where, zeros } from "@trek/tensor";
import { isGradEnabled } from "@trek/autograd";
import { Module } from "../module.js";
import type { Parameter } from "../parameter.js";
import { PackedSequence } from "../packed-sequence.js";
import { linear } from "../functional/linear.js";
import { dropout as dropoutFn } from "../functional/dropout.js";
import { uniform_ } from "../init.js";
import { LstmSequenceFunction } from "./lstm-sequence.js";
import { checkPositiveInt, newParameter, pyBool, pyFloat, type FactoryOptions } from "../util.js";

type Mode = "RNN_TANH" | "RNN_RELU" | "LSTM" | "GRU";

/** Options shared by RNN, LSTM and GRU. */
export interface RecurrentOptions extends FactoryOptions {
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Learn input and recurrent biases (default true). */
  bias?: boolean;
  /** Inputs and outputs are [B, T, *] instead of [T, B, *] (states stay [layers·directions, B, H]). */
  batchFirst?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Also run each layer backwards in time and concatenate both directions' outputs. */
  bidirectional?: boolean;
}

/** Options of LSTM. */
export interface LSTMOptions extends RecurrentOptions {
  /**
   * Project the hidden state to this many features (PyTorch's `proj_size`; default 0, none):
   * h_t = (o_t ⊙ tanh c_t)·W_hrᵀ with `weight_hr_l{k}` [projSize, hiddenSize]. The outputs and h
   * then have projSize features while c keeps hiddenSize. Must be less than hiddenSize.
   */
  projSize?: number;
}

/** Options of RNN. */
export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: "tanh" | "relu";
}

/** Per-call options of the recurrent layers. */
export interface RecurrentForwardOptions {
  /**
   * Valid steps of each sequence of a padded batch (the masked form of variable lengths):
   * outputs past a sequence's end are zero and its final state is the state at its last step.
   */
  lengths?: readonly number[] | Tensor;
}

interface CellWeights {
  weightIh: Parameter;
  weightHh: Parameter;
  biasIh: Parameter | null;
  biasHh: Parameter | null;
  weightHr: Parameter | null;
}

interface DirectionResult {
  output: Tensor;
  h: Tensor;
  c: Tensor | null;
}

const GATES: Record<Mode, number> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** Shared machinery of RNN, LSTM and GRU (parameter names follow PyTorch: `weight_ih_l0`, …, `_reverse`). */
abstract class RecurrentBase extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  /** Features of the projected hidden state (LSTM only; 0 without a projection). */
  readonly projSize: number;
  private readonly mode: Mode;
  private readonly cells: CellWeights[] = [];

  protected constructor(mode: Mode, inputSize: number, hiddenSize: number, options: LSTMOptions) {
    super();
    const name = mode === "LSTM" || mode === "GRU" ? mode : "RNN";
    checkPositiveInt(name, "inputSize", inputSize);
    checkPositiveInt(name, "hiddenSize", hiddenSize);
    this.mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = options.numLayers ?? 1;
    checkPositiveInt(name, "numLayers", this.numLayers);
    this.bias = options.bias ?? true;
    this.batchFirst = options.batchFirst ?? false;
    this.dropout = options.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new RangeError(`${name}: dropout must be in [0, 1], got ${this.dropout}`);
    this.bidirectional = options.bidirectional ?? false;
    this.projSize = options.projSize ?? 0;
    if (!Number.isInteger(this.projSize) || this.projSize < 0) throw new RangeError(`${name}: projSize must be a non-negative integer, got ${this.projSize}`);
    if (this.projSize > 0 && mode !== "LSTM") throw new RangeError(`${name}: projSize is only supported by LSTM`);
    if (this.projSize >= hiddenSize) throw new RangeError(`${name}: projSize must be less than hiddenSize (${hiddenSize}), got ${this.projSize}`);
    const gates = GATES[mode] * hiddenSize;
    const directions = this.bidirectional ? 2 : 1;
    const stateSize = this.stateSize;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let direction = 0; direction < directions; direction++) {
        const suffix = `_l${layer}${direction === 1 ? "_reverse" : ""}`;
        const layerInput = layer === 0 ? inputSize : stateSize * directions;
        const cell: CellWeights = {
          weightIh: newParameter([gates, layerInput], options),
          weightHh: newParameter([gates, stateSize], options),
          biasIh: this.bias ? newParameter([gates], options) : null,
          biasHh: this.bias ? newParameter([gates], options) : null,
          weightHr: this.projSize > 0 ? newParameter([this.projSize, hiddenSize], options) : null,
        };
        this.registerParameter(`weight_ih${suffix}`, cell.weightIh);
        this.registerParameter(`weight_hh${suffix}`, cell.weightHh);
        if (cell.biasIh && cell.biasHh) {
          this.registerParameter(`bias_ih${suffix}`, cell.biasIh);
          this.registerParameter(`bias_hh${suffix}`, cell.biasHh);
        }
        if (cell.weightHr) this.registerParameter(`weight_hr${suffix}`, cell.weightHr);
        this.cells.push(cell);
      }
    }
    this.resetParameters();
  }

  /** Features of h and of each direction's outputs: projSize with a projection, else hiddenSize. */
  get stateSize(): number {
    return this.projSize > 0 ? this.projSize : this.hiddenSize;
  }

  /** Number of directions (2 when bidirectional). */
  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Re-draws every weight and bias from U(−1/√hidden, 1/√hidden), PyTorch's default. */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    for (const p of this.parameters()) uniform_(p, -bound, bound);
  }

  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ", bias=False";
    if (this.batchFirst) s += ", batch_first=True";
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += `, bidirectional=${pyBool(true)}`;
    return s;
  }

  /**
   * Runs all layers. Returns the last layer's outputs (packed again for packed input) and the
   * final states [layers·directions, B, H].
   */
  protected runLayers(
    input: Tensor | PackedSequence,
    h0: Tensor | null | undefined,
    c0: Tensor | null | undefined,
    options: RecurrentForwardOptions,
  ): { output: Tensor | PackedSequence; hN: Tensor; cN: Tensor | null } {
    const layer = this.reprTree();
    const directions = this.numDirections;
    const stateCount = this.numLayers * directions;
    let x: Tensor;
    let timeDim: 0 | 1;
    let lengths: number[] | null = null;
    let unbatched = false;
    const packed = input instanceof PackedSequence ? input : null;
    if (input instanceof PackedSequence) {
      if (input.data.ndim !== 2 || input.data.shape[1] !== this.inputSize) {
        throw new ShapeError(`${layer}: expected packed data [Σ lengths, ${this.inputSize}], got ${formatShape(input.data.shape)}`);
      }
      lengths = input.sortedLengths();
      x = paddedFromPacked(input);
      timeDim = 0;
    } else {
      if ((input.ndim !== 2 && input.ndim !== 3) || input.shape[input.ndim - 1] !== this.inputSize) {
        const layout = this.batchFirst ? `[B, T, ${this.inputSize}]` : `[T, B, ${this.inputSize}]`;
        throw new ShapeError(`${layer}: expected input ${layout} (or unbatched [T, ${this.inputSize}]), got ${formatShape(input.shape)}`);
      }
      if (!input.isFloatingPoint()) throw new TypeError(`${layer}: expected a floating-point input, got ${input.dtype}`);
      unbatched = input.ndim === 2;
      x = unbatched ? input.unsqueeze(1) : input;
      timeDim = unbatched || !this.batchFirst ? 0 : 1;
      if (options.lengths !== undefined) lengths = checkLengths(layer, options.lengths, x.shape[1 - timeDim]!, x.shape[timeDim]!);
    }
    const steps = x.shape[timeDim]!;
    const batch = x.shape[1 - timeDim]!;
    const prepareState = (state: Tensor | null | undefined, what: string, size: number): Tensor | null => {
      if (state == null) return null;
      const expected = unbatched ? [stateCount, size] : [stateCount, batch, size];
      if (state.ndim !== expected.length || state.shape.some((s, i) => s !== expected[i])) {
        throw new ShapeError(`${layer}: expected ${what} ${formatShape(expected)}, got ${formatShape(state.shape)}`);
      }
      let prepared = unbatched ? state.unsqueeze(1) : state;
      if (packed?.sortedIndices) {
        const order = int64(packed.sortedIndices, state.device);
        const sorted = prepared.indexSelect(1, order);
        order.dispose();
        if (prepared !== state) prepared.dispose();
        prepared = sorted;
      }
      return prepared;
    };
    const h0All = prepareState(h0, this.mode === "LSTM" ? "h0" : "hx", this.stateSize);
    const c0All = prepareState(c0, "c0", this.hiddenSize);
    // masks[t] [B, 1]: whether step t is inside each sequence; null when every sequence is full.
    let masks: Tensor | null = null;
    if (lengths && lengths.some((l) => l < steps)) {
      const flags = new Uint8Array(steps * batch);
      for (let t = 0; t < steps; t++) for (let b = 0; b < batch; b++) flags[t * batch + b] = t < lengths[b]! ? 1 : 0;
      masks = tensor(flags, { dtype: "bool", shape: [steps, batch, 1], device: x.device });
    }
    const finalH: Tensor[] = [];
    const finalC: Tensor[] = [];
    let layerInput = x;
    for (let l = 0; l < this.numLayers; l++) {
      const outputs: Tensor[] = [];
      for (let d = 0; d < directions; d++) {
        const index = l * directions + d;
        const hInit = h0All ? h0All.select(0, index) : null;
        const cInit = c0All ? c0All.select(0, index) : null;
        const result = this.runDirection(layerInput, timeDim, this.cells[index]!, hInit, cInit, d === 1, masks);
        outputs.push(result.output);
        finalH.push(result.h);
        if (result.c) finalC.push(result.c);
        hInit?.dispose();
        cInit?.dispose();
      }
      let layerOutput = outputs.length === 1 ? outputs[0]! : cat(outputs, 2);
      if (outputs.length > 1) for (const o of outputs) o.dispose();
      if (l < this.numLayers - 1 && this.dropout > 0 && this.training) {
        const dropped = dropoutFn(layerOutput, { p: this.dropout, training: true });
        layerOutput.dispose();
        layerOutput = dropped;
      }
      if (layerInput !== x) layerInput.dispose();
      layerInput = layerOutput;
    }
    let output = layerInput;
    let hN = stack(finalH, 0);
    let cN = finalC.length ? stack(finalC, 0) : null;
    for (const t of [...finalH, ...finalC]) t.dispose();
    for (const t of [masks, h0All, c0All]) if (t && t !== h0 && t !== c0) t.dispose();
    if (x !== input) x.dispose();
    if (packed) {
      const packedOutput = packedFromPadded(output, packed);
      output.dispose();
      if (packed.unsortedIndices) {
        const order = int64(packed.unsortedIndices, hN.device);
        const restore = (t: Tensor): Tensor => {
          const out = t.indexSelect(1, order);
          t.dispose();
          return out;
        };
        hN = restore(hN);
        if (cN) cN = restore(cN);
        order.dispose();
      }
      return { output: packedOutput, hN, cN };
    }
    if (unbatched) {
      const squeeze = (t: Tensor): Tensor => {
        const out = t.squeeze(1);
        t.dispose();
        return out;
      };
      output = squeeze(output);
      hN = squeeze(hN);
      if (cN) cN = squeeze(cN);
    }
    return { output, hN, cN };
  }

  /** One layer in one direction over the whole sequence. */
  private runDirection(
    x: Tensor,
    timeDim: 0 | 1,
    weights: CellWeights,
    h0: Tensor | null,
    c0: Tensor | null,
    reverse: boolean,
    masks: Tensor | null,
  ): DirectionResult {
    const steps = x.shape[timeDim]!;
    const batch = x.shape[1 - timeDim]!;
    const hidden = this.hiddenSize;
    const isLstm = this.mode === "LSTM";
    const isGru = this.mode === "GRU";
    // The recurrent bias can join the input projection, except for GRU's candidate gate.
    let inputBias: Tensor | null = weights.biasIh;
    if (!isGru && weights.biasIh && weights.biasHh) inputBias = weights.biasIh.add(weights.biasHh);
    const projected = linear(x, weights.weightIh, inputBias);
    if (inputBias && inputBias !== weights.biasIh) inputBias.dispose();
    if (isLstm) {
      const like = { dtype: x.dtype, device: x.device };
      const hInit = h0 ?? zeros([batch, this.stateSize], like);
      const cInit = c0 ?? zeros([batch, hidden], like);
      const weightHr = weights.weightHr;
      const keep = isGradEnabled() && [projected, hInit, cInit, weights.weightHh, ...(weightHr ? [weightHr] : [])].some((t) => t.requiresGrad);
      const sink: Tensor[] = [];
      const [output, h, c] = LstmSequenceFunction.apply<Tensor[]>(projected, hInit, cInit, weights.weightHh, masks, weightHr, {
        timeDim,
        reverse,
        keep,
        sink,
      });
      for (const t of sink) t.dispose();
      projected.dispose();
      if (!h0) hInit.dispose();
      if (!c0) cInit.dispose();
      return { output: output!, h: h!, c: c! };
    }
    // GRU and Elman RNN: recorded op by op (GRU's reset gate multiplies the recurrent term).
    const recurrentT = weights.weightHh.mT;
    let h = h0 ?? zeros([batch, hidden], { dtype: x.dtype, device: x.device });
    const outputs = new Array<Tensor>(steps);
    const own = new Set<Tensor>(); // states created here that are not outputs
    if (!h0) own.add(h);
    for (let step = 0; step < steps; step++) {
      const t = reverse ? steps - 1 - step : step;
      const xt = projected.select(timeDim, t);
      let hNew = isGru ? gruStep(xt, h, recurrentT, weights.biasHh, hidden) : rnnStep(xt, h, recurrentT, this.mode === "RNN_RELU");
      xt.dispose();
      if (masks) {
        // Past a sequence's end the state is carried over and the output is zero.
        const mask = masks.select(0, t);
        const hNext = where(mask, hNew, h);
        outputs[t] = where(mask, hNew, 0);
        hNew.dispose();
        mask.dispose();
        hNew = hNext;
        own.add(hNext);
      } else {
        outputs[t] = hNew;
      }
      if (own.has(h)) {
        h.dispose();
        own.delete(h);
      }
      h = hNew;
    }
    const output = stack(outputs, timeDim);
    for (const o of outputs) if (o !== h) o.dispose();
    projected.dispose();
    recurrentT.dispose();
    // The final state must outlive this call even when it is the caller's initial state.
    if (h === h0) h = h0.reshape(h0.shape);
    return { output, h, c: null };
  }
}

/**
 * r, z = σ(x_rz + h·W_rzᵀ + b_rz); n = tanh(x_n + r·(h·W_nᵀ + b_hn)); h' = n + z·(h − n),
 * with gates ordered r, z, n (x already includes the input bias).
 */
function gruStep(xt: Tensor, h: Tensor, recurrentT: Tensor, biasHh: Tensor | null, hidden: number): Tensor {
  const product = h.matmul(recurrentT);
  const recurrent = biasHh ? product.add(biasHh) : product;
  const xRz = xt.narrow(1, 0, 2 * hidden);
  const hRz = recurrent.narrow(1, 0, 2 * hidden);
  const rzPre = xRz.add(hRz);
  const rz = rzPre.sigmoid();
  const r = rz.narrow(1, 0, hidden);
  const z = rz.narrow(1, hidden, hidden);
  const xN = xt.narrow(1, 2 * hidden, hidden);
  const hN = recurrent.narrow(1, 2 * hidden, hidden);
  const gated = r.mul(hN);
  const nPre = xN.add(gated);
  const n = nPre.tanh();
  const diff = h.sub(n);
  const update = z.mul(diff);
  const hNew = n.add(update);
  for (const t of [product, recurrent, xRz, hRz, rzPre, rz, r, z, xN, hN, gated, nPre, n, diff, update]) t.dispose();
  return hNew;
}

/** h' = tanh(x + h·W_hhᵀ) (or relu). */
function rnnStep(xt: Tensor, h: Tensor, recurrentT: Tensor, relu: boolean): Tensor {
  const recurrent = h.matmul(recurrentT);
  const pre = xt.add(recurrent);
  const hNew = relu ? pre.relu() : pre.tanh();
  recurrent.dispose();
  pre.dispose();
  return hNew;
}

function int64(values: readonly number[], device: string): Tensor {
  return tensor(BigInt64Array.from(values, (v) => BigInt(v)), { device });
}

function checkLengths(layer: string, lengths: readonly number[] | Tensor, batch: number, steps: number): number[] {
  const values = lengths instanceof Tensor ? Array.from(lengths.dataSync() as ArrayLike<number | bigint>, Number) : [...lengths];
  if (values.length !== batch) throw new ShapeError(`${layer}: got ${values.length} lengths for a batch of ${batch}`);
  for (const v of values) {
    if (!Number.isInteger(v) || v < 1 || v > steps) throw new RangeError(`${layer}: every length must be an integer in [1, ${steps}], got ${v}`);
  }
  return values;
}

/** Packed rows → zero-padded [T, B, *] in sorted order (time-major). */
function paddedFromPacked(packed: PackedSequence): Tensor {
  const { data, batchSizes } = packed;
  const steps = batchSizes.length;
  const batch = batchSizes[0] ?? 0;
  const sentinel = data.shape[0]!;
  const rows: number[] = [];
  let offset = 0;
  for (let t = 0; t < steps; t++) {
    for (let j = 0; j < batch; j++) rows.push(j < batchSizes[t]! ? offset + j : sentinel);
    offset += batchSizes[t]!;
  }
  const padRow = zeros([1, ...data.shape.slice(1)], { dtype: data.dtype, device: data.device });
  const extended = cat([data, padRow], 0);
  const index = int64(rows, data.device);
  const picked = extended.indexSelect(0, index);
  const padded = picked.reshape([steps, batch, ...data.shape.slice(1)]);
  for (const t of [padRow, extended, index, picked]) t.dispose();
  return padded;
}

/** Padded [T, B, *] in sorted order → a PackedSequence with `like`'s batch sizes and permutation. */
function packedFromPadded(padded: Tensor, like: PackedSequence): PackedSequence {
  const [steps, batch] = padded.shape as [number, number];
  const rows: number[] = [];
  for (let t = 0; t < steps; t++) for (let j = 0; j < like.batchSizes[t]!; j++) rows.push(t * batch + j);
  const flat = padded.reshape([steps * batch, ...padded.shape.slice(2)]);
  const index = int64(rows, padded.device);
  const data = flat.indexSelect(0, index);
  flat.dispose();
  index.dispose();
  return new PackedSequence(data, like.batchSizes, like.sortedIndices, like.unsortedIndices);
}

/**
 * Elman RNN, like `torch.nn.RNN`: h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh) (or ReLU).
 * `call(x, h0?)` returns `[output, hN]`: output [T, B, D·H] (or [B, T, D·H], or packed) and the
 * final states [layers·D, B, H].
 */
export class RNN extends RecurrentBase {
  readonly nonlinearity: "tanh" | "relu";

  constructor(inputSize: number, hiddenSize: number, options: RNNOptions = {}) {
    const nonlinearity = options.nonlinearity ?? "tanh";
    if (nonlinearity !== "tanh" && nonlinearity !== "relu") throw new TypeError(`RNN: nonlinearity must be "tanh" or "relu", got ${String(nonlinearity)}`);
    super(nonlinearity === "relu" ? "RNN_RELU" : "RNN_TANH", inputSize, hiddenSize, options);
    this.nonlinearity = nonlinearity;
  }

  forward(input: PackedSequence, hx?: Tensor | null, options?: RecurrentForwardOptions): [PackedSequence, Tensor];
  forward(input: Tensor, hx?: Tensor | null, options?: RecurrentForwardOptions): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null, options: RecurrentForwardOptions = {}): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = this.runLayers(input, hx, null, options);
    return [output, hN];
  }

  override extraRepr(): string {
    const base = super.extraRepr();
    return this.nonlinearity === "relu" ? `${base}, nonlinearity=relu` : base;
  }
}

/**
 * Long short-term memory, like `torch.nn.LSTM` (gates i, f, g, o). `call(x, [h0, c0]?)` returns
 * `[output, [hN, cN]]`: output [T, B, D·P], hN [layers·D, B, P] and cN [layers·D, B, H], where
 * P is `projSize` (with a projection, named `weight_hr_l{k}` like PyTorch's) or else H.
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: LSTMOptions = {}) {
    super("LSTM", inputSize, hiddenSize, options);
  }

  forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null, options?: RecurrentForwardOptions): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null, options?: RecurrentForwardOptions): [Tensor, [Tensor, Tensor]];
  forward(
    input: Tensor | PackedSequence,
    hx?: readonly [Tensor, Tensor] | null,
    options: RecurrentForwardOptions = {},
  ): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx != null && (!Array.isArray(hx) || hx.length !== 2)) throw new TypeError(`${this.reprTree()}: hx must be a pair [h0, c0]`);
    const { output, hN, cN } = this.runLayers(input, hx?.[0], hx?.[1], options);
    return [output, [hN, cN!]];
  }
}

/** Gated recurrent unit, like `torch.nn.GRU` (gates r, z, n). `call(x, h0?)` returns `[output, hN]`. */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, options: RecurrentOptions = {}) {
    super("GRU", inputSize, hiddenSize, options);
  }

  forward(input: PackedSequence, hx?: Tensor | null, options?: RecurrentForwardOptions): [PackedSequence, Tensor];
  forward(input: Tensor, hx?: Tensor | null, options?: RecurrentForwardOptions): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, hx?: Tensor | null, options: RecurrentForwardOptions = {}): [Tensor | PackedSequence, Tensor] {
    const { output, hN } = this.runLayers(input, hx, null, options);
    return [output, hN];
  }
}
