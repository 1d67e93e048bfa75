/**
 * One LSTM layer in one direction over a whole sequence, as a single autograd node with a
 * hand-written backward (backpropagation through time).
 *
 * Recording every small op of every step costs more than the arithmetic at typical sizes; here
 * the forward runs unrecorded and the backward walks the steps in reverse with one matrix
 * product per step, then forms the recurrent weight's gradient with one product over all steps.
 * Gradients of gradients recompute the steps recorded and differentiate this backward.
 *
 * With a projection (PyTorch's `proj_size`), h_t = (o_t ⊙ tanh c_t)·W_hrᵀ has P features while
 * c_t keeps H; W_hh is then [4H, P] and W_hr's gradient is one product over all steps too.
 */
import { Tensor, cat, stack, where } from "@trek/tensor";
import { AutogradFunction, isGradEnabled, type FunctionContext } from "@trek/autograd";

/** Tensors saved per step: gate activations [i, f, g, o], tanh(c_t), h_{t−1}, c_{t−1}. */
const SAVED_PER_STEP = 4;

interface SequenceConfig {
  timeDim: 0 | 1;
  reverse: boolean;
  /** Whether backward will run (otherwise per-step values are released at once). */
  keep: boolean;
  /** Receives handles the caller disposes after `apply` (saved copies stay with the graph). */
  sink: Tensor[];
}

/** What one pass over the steps leaves: per-step outputs, final states, and the saved values. */
interface StepsResult {
  outputs: Tensor[];
  h: Tensor;
  c: Tensor;
  /** SAVED_PER_STEP tensors per step, in processing order (empty unless `keep`). */
  saved: Tensor[];
}

/**
 * The LSTM recurrence over every step, in tensor ops: unrecorded in forward, recorded when a
 * double backward recomputes it from the graph's own inputs.
 */
function runSteps(
  projected: Tensor,
  h0: Tensor,
  c0: Tensor,
  weightHh: Tensor,
  masks: Tensor | null,
  weightHr: Tensor | null,
  timeDim: 0 | 1,
  reverse: boolean,
  keep: boolean,
): StepsResult {
  const steps = projected.shape[timeDim]!;
  const hidden = weightHh.shape[0]! / 4;
  const recurrentT = weightHh.mT;
  const projectionT = weightHr ? weightHr.mT : null;
  const outputs = new Array<Tensor>(steps);
  const saved: Tensor[] = [];
  let h = h0;
  let c = c0;
  for (let step = 0; step < steps; step++) {
    const t = reverse ? steps - 1 - step : step;
    const xt = projected.select(timeDim, t);
    const recurrent = h.matmul(recurrentT);
    const gates = xt.add(recurrent);
    // acts = [σ(i), σ(f), tanh(g), σ(o)].
    const gatesG = gates.narrow(1, 2 * hidden, hidden);
    const g = gatesG.tanh();
    let acts: Tensor;
    if (isGradEnabled()) {
      // Recorded: out of place, since sigmoid's backward reads its own output.
      const ifGates = gates.narrow(1, 0, 2 * hidden);
      const oGate = gates.narrow(1, 3 * hidden, hidden);
      const ifActs = ifGates.sigmoid();
      const oAct = oGate.sigmoid();
      acts = cat([ifActs, g, oAct], 1);
      for (const x of [ifGates, oGate, ifActs, oAct]) x.dispose();
    } else {
      // Sigmoid over all four gates, then tanh written over the g slice.
      acts = gates.sigmoid();
      const actsG = acts.narrow(1, 2 * hidden, hidden);
      actsG.copy_(g);
      actsG.dispose();
    }
    const i = acts.narrow(1, 0, hidden);
    const f = acts.narrow(1, hidden, hidden);
    const o = acts.narrow(1, 3 * hidden, hidden);
    const kept = f.mul(c);
    const added = i.mul(g);
    const cNew = kept.add(added);
    const squashed = cNew.tanh();
    let hNew = o.mul(squashed);
    if (projectionT) {
      const raw = hNew;
      hNew = raw.matmul(projectionT);
      raw.dispose();
    }
    for (const x of [xt, recurrent, gates, gatesG, g, i, f, o, kept, added]) x.dispose();
    let hNext = hNew;
    let cNext = cNew;
    if (masks) {
      // Past a sequence's end the state is carried over and the output is zero.
      const mask = masks.select(0, t);
      hNext = where(mask, hNew, h);
      cNext = where(mask, cNew, c);
      outputs[t] = where(mask, hNew, 0);
      mask.dispose();
      hNew.dispose();
      cNew.dispose();
    } else {
      outputs[t] = hNew;
    }
    if (keep) saved.push(acts, squashed, h, c);
    else {
      acts.dispose();
      squashed.dispose();
      if (h !== h0 && !outputs.includes(h)) h.dispose();
      if (c !== c0) c.dispose();
    }
    h = hNext;
    c = cNext;
  }
  recurrentT.dispose();
  projectionT?.dispose();
  return { outputs, h, c, saved };
}

/** Tensors saved ahead of the per-step values: W_hh, the projected inputs, h0, c0 (then masks and W_hr when given). */
const SAVED_INPUTS = 4;

/**
 * Inputs: `projected` = x·W_ihᵀ + b_ih + b_hh laid out like x ([T, B, 4H] or [B, T, 4H]),
 * `h0` [B, P], `c0` [B, H], `weightHh` [4H, P], optionally `masks` [T, B, 1] (bool: step t is
 * inside sequence b) and `weightHr` [P, H] (P = H without it). Outputs: the hidden states
 * [T, B, P] (or [B, T, P]; zero past each sequence's end), and the final h [B, P] and c [B, H].
 */
export class LstmSequenceFunction extends AutogradFunction {
  static override forward(
    ctx: FunctionContext,
    projected: Tensor,
    h0: Tensor,
    c0: Tensor,
    weightHh: Tensor,
    masks: Tensor | null,
    weightHr: Tensor | null,
    config: SequenceConfig,
  ): Tensor[] {
    const { timeDim, reverse, keep, sink } = config;
    const steps = projected.shape[timeDim]!;
    const hidden = weightHh.shape[0]! / 4;
    const run = runSteps(projected, h0, c0, weightHh, masks, weightHr, timeDim, reverse, keep);
    const { outputs, saved } = run;
    let { h, c } = run;
    const output = stack(outputs, timeDim);
    for (const x of outputs) if (x !== h && !saved.includes(x)) x.dispose();
    if (keep) {
      ctx.saveForBackward(weightHh, projected, h0, c0, ...(masks ? [masks] : []), ...(weightHr ? [weightHr] : []), ...saved);
      ctx.values.config = { timeDim, reverse, steps, hidden, hasMasks: masks !== null, hasProjection: weightHr !== null };
      for (const x of saved) if (x !== h0 && x !== c0 && x !== h && x !== c) sink.push(x);
    }
    // The final states may be the inputs themselves (empty sequence): return separate handles.
    if (h === h0) h = h0.detach();
    if (c === c0) c = c0.detach();
    return [output, h, c];
  }

  static override backward(ctx: FunctionContext, dOutput: Tensor, dhN: Tensor, dcN: Tensor): (Tensor | null)[] {
    const { timeDim, reverse, steps, hidden, hasMasks, hasProjection } = ctx.values.config as {
      timeDim: 0 | 1;
      reverse: boolean;
      steps: number;
      hidden: number;
      hasMasks: boolean;
      hasProjection: boolean;
    };
    const savedAll = ctx.savedTensors;
    const [weightHh, projected, h0, c0] = savedAll as [Tensor, Tensor, Tensor, Tensor];
    const masks = hasMasks ? savedAll[SAVED_INPUTS]! : null;
    const weightHr = hasProjection ? savedAll[SAVED_INPUTS + (hasMasks ? 1 : 0)]! : null;
    const stateSize = weightHh.shape[1]!;
    let perStep = savedAll.slice(SAVED_INPUTS + (hasMasks ? 1 : 0) + (hasProjection ? 1 : 0));
    // Recording (gradients of gradients): the saved activations are constants, so recompute them
    // from the graph's own inputs; the backward below, in tensor ops, is then differentiated
    // through them.
    const recomputed = isGradEnabled() ? runSteps(projected, h0, c0, weightHh, masks, weightHr, timeDim, reverse, true) : null;
    if (recomputed) perStep = recomputed.saved;
    const gateGrads = new Array<Tensor>(steps);
    const inOrder: Tensor[] = []; // gate gradients in processing order, for the weight gradient
    // With a projection: gradients of the projected h_t and the unprojected o ⊙ tanh c_t, per step.
    const dProjectedH: Tensor[] = [];
    const unprojected: Tensor[] = [];
    let dh = dhN;
    let dc = dcN;
    for (let step = steps - 1; step >= 0; step--) {
      const dhPrevious = dh;
      const dcPrevious = dc;
      const t = reverse ? steps - 1 - step : step;
      const [acts, squashed, hPrev, cPrev] = perStep.slice(step * SAVED_PER_STEP, step * SAVED_PER_STEP + SAVED_PER_STEP) as [
        Tensor,
        Tensor,
        Tensor,
        Tensor,
      ];
      void hPrev;
      const i = acts.narrow(1, 0, hidden);
      const f = acts.narrow(1, hidden, hidden);
      const g = acts.narrow(1, 2 * hidden, hidden);
      const o = acts.narrow(1, 3 * hidden, hidden);
      const dOut = dOutput.select(timeDim, t);
      const temporaries: Tensor[] = [i, f, g, o, dOut];
      let dhNew = dh.add(dOut);
      let dcIn = dc;
      let carryH: Tensor | null = null;
      let carryC: Tensor | null = null;
      temporaries.push(dhNew);
      if (masks) {
        const mask = masks.select(0, t);
        carryH = where(mask, 0, dh);
        carryC = where(mask, 0, dc);
        dhNew = where(mask, dhNew, 0);
        dcIn = where(mask, dc, 0);
        temporaries.push(mask, carryH, carryC, dhNew, dcIn);
      }
      if (weightHr) {
        // h = (o·tanh c)·W_hrᵀ: back through the projection (its weight gradient comes later).
        dProjectedH[step] = dhNew;
        unprojected[step] = o.mul(squashed);
        dhNew = dhNew.matmul(weightHr);
        temporaries.push(dhNew);
      }
      // h = o·tanh(c): the output gate and the cell state.
      const dO = dhNew.mul(squashed);
      const squashedSq = squashed.mul(squashed);
      const tanhGrad = squashedSq.neg().add(1);
      const dhO = dhNew.mul(o);
      const throughTanh = dhO.mul(tanhGrad);
      const dcNew = dcIn.add(throughTanh);
      temporaries.push(squashedSq, tanhGrad, dhO, throughTanh);
      // c = f·c_prev + i·g.
      const dI = dcNew.mul(g);
      const dF = dcNew.mul(cPrev);
      const dG = dcNew.mul(i);
      const dcPrev = dcNew.mul(f);
      // Through the activations: σ' = s(1 − s), tanh' = 1 − g².
      const dActs = cat([dI, dF, dG, dO], 1);
      const oneMinus = acts.neg().add(1);
      const sigmoidGrad = acts.mul(oneMinus);
      const gSq = g.mul(g);
      const gGrad = gSq.neg().add(1);
      const slot = sigmoidGrad.narrow(1, 2 * hidden, hidden);
      slot.copy_(gGrad);
      const dGates = dActs.mul(sigmoidGrad);
      temporaries.push(dO, dcNew, dI, dF, dG, dActs, oneMinus, sigmoidGrad, gSq, gGrad, slot);
      const dhPrev = dGates.matmul(weightHh);
      if (carryH && carryC) {
        dh = dhPrev.add(carryH);
        dc = dcPrev.add(carryC);
        temporaries.push(dhPrev, dcPrev);
      } else {
        dh = dhPrev;
        dc = dcPrev;
      }
      // The incoming gradients dhN and dcN belong to the autograd engine.
      const kept = new Set([dh, dc, dhN, dcN, ...(weightHr ? [dProjectedH[step]!] : [])]);
      for (const x of [...temporaries, dhPrevious, dcPrevious]) if (!kept.has(x)) x.dispose();
      gateGrads[t] = dGates;
      inOrder[step] = dGates;
    }
    const dProjected = stack(gateGrads, timeDim);
    // dW_hh = Σ_t dGates_tᵀ · h_{t−1}, as one product over all steps.
    const previous = Array.from({ length: steps }, (_, step) => perStep[step * SAVED_PER_STEP + 2]!);
    const gatesAll = stack(inOrder, 0).reshape(-1, 4 * hidden);
    const previousAll = stack(previous, 0).reshape(-1, stateSize);
    const gatesAllT = gatesAll.mT;
    const dWeightHh = gatesAllT.matmul(previousAll);
    for (const x of [...gateGrads, gatesAll, previousAll, gatesAllT]) x.dispose();
    // dW_hr = Σ_t dh_tᵀ · (o_t ⊙ tanh c_t), also one product.
    let dWeightHr: Tensor | null = null;
    if (weightHr) {
      const dAll = stack(dProjectedH, 0).reshape(-1, stateSize);
      const rawAll = stack(unprojected, 0).reshape(-1, hidden);
      const dAllT = dAll.mT;
      dWeightHr = dAllT.matmul(rawAll);
      for (const x of [...dProjectedH, ...unprojected, dAll, rawAll, dAllT]) if (x !== dhN && x !== dcN) x.dispose();
    }
    if (recomputed) {
      const held = new Set([h0, c0, ...recomputed.saved, recomputed.h, recomputed.c, ...recomputed.outputs]);
      for (const x of held) if (x !== h0 && x !== c0) x.dispose();
    }
    const grads: (Tensor | null)[] = [dProjected, dh, dc, dWeightHh];
    if (hasMasks) grads.push(null);
    if (hasProjection) grads.push(dWeightHr);
    return grads;
  }
}
