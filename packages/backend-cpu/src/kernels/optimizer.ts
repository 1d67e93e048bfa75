/**
 * Fused optimizer steps in plain TypeScript (any float dtype; 16-bit floats are widened): the
 * portable path and the oracle of the WebAssembly kernels. Intermediates are float64.
 */
import type { AdamHyper, RmspropHyper, SgdHyper, View } from "@trek/tensor";
import { numelOf } from "../strided.js";
import { narrowInto, widen } from "../elementwise.js";

type NumArray = { [i: number]: number; length: number };

const isHalf = (v: View): boolean => v.dtype === "float16" || v.dtype === "bfloat16";

/** Runs `step` on float32 copies of 16-bit views and writes the updated state back. */
function withWideViews(views: (View | null)[], written: boolean[], step: (wide: (View | null)[]) => void): void {
  if (!views.some((v) => v && isHalf(v))) {
    step(views);
    return;
  }
  const wide = views.map((v) => (v ? widen(v) : null));
  step(wide);
  views.forEach((v, i) => {
    if (v && written[i]) narrowInto(wide[i]!, v);
  });
}

const data = (v: View | null): NumArray => v!.buffer as NumArray;

export function sgdStep(param: View, grad: View, buffer: View | null, h: SgdHyper): void {
  withWideViews([param, grad, buffer], [true, false, true], ([p, g, b]) => {
    const n = numelOf(p!.shape);
    const pa = data(p), ga = data(g);
    const ba = b ? data(b) : null;
    const po = p!.offset, go = g!.offset, bo = b ? b.offset : 0;
    for (let k = 0; k < n; k++) {
      let d = ga[go + k]!;
      if (h.maximize) d = -d;
      if (h.weightDecay !== 0) d += pa[po + k]! * h.weightDecay;
      if (h.momentum !== 0 && ba) {
        const v = h.firstStep ? d : ba[bo + k]! * h.momentum + d * (1 - h.dampening);
        ba[bo + k] = v;
        d = h.nesterov ? d + v * h.momentum : v;
      }
      pa[po + k] = pa[po + k]! - d * h.lr;
    }
  });
}

export function adamStep(param: View, grad: View, expAvg: View, expAvgSq: View, maxExpAvgSq: View | null, h: AdamHyper): void {
  withWideViews([param, grad, expAvg, expAvgSq, maxExpAvgSq], [true, false, true, true, true], ([p, g, m, v, vmax]) => {
    const n = numelOf(p!.shape);
    const pa = data(p), ga = data(g), ma = data(m), va = data(v);
    const xa = vmax ? data(vmax) : null;
    const po = p!.offset, go = g!.offset, mo = m!.offset, vo = v!.offset, xo = vmax ? vmax.offset : 0;
    const stepSize = -h.lr / (1 - h.beta1 ** h.step);
    const correction2 = Math.sqrt(1 - h.beta2 ** h.step);
    const decayFactor = 1 - h.lr * h.weightDecay;
    for (let k = 0; k < n; k++) {
      let w = pa[po + k]!;
      let gk = ga[go + k]!;
      if (h.maximize) gk = -gk;
      if (h.weightDecay !== 0) {
        if (h.decoupledWeightDecay) w *= decayFactor;
        else gk += w * h.weightDecay;
      }
      const mk = ma[mo + k]! * h.beta1 + gk * (1 - h.beta1);
      const vk = va[vo + k]! * h.beta2 + gk * gk * (1 - h.beta2);
      ma[mo + k] = mk;
      va[vo + k] = vk;
      let second = vk;
      if (h.amsgrad && xa) {
        second = Math.max(xa[xo + k]!, vk);
        xa[xo + k] = second;
      }
      pa[po + k] = w + (mk / (Math.sqrt(second) / correction2 + h.eps)) * stepSize;
    }
  });
}

export function rmspropStep(
  param: View, grad: View, squareAvg: View, buffer: View | null, gradAvg: View | null, h: RmspropHyper,
): void {
  withWideViews([param, grad, squareAvg, buffer, gradAvg], [true, false, true, true, true], ([p, g, s, b, a]) => {
    const n = numelOf(p!.shape);
    const pa = data(p), ga = data(g), sa = data(s);
    const ba = b ? data(b) : null;
    const aa = a ? data(a) : null;
    const po = p!.offset, go = g!.offset, so = s!.offset, bo = b ? b.offset : 0, ao = a ? a.offset : 0;
    for (let k = 0; k < n; k++) {
      const w = pa[po + k]!;
      let gk = ga[go + k]!;
      if (h.maximize) gk = -gk;
      if (h.weightDecay !== 0) gk += w * h.weightDecay;
      const sq = sa[so + k]! * h.alpha + gk * gk * (1 - h.alpha);
      sa[so + k] = sq;
      let average: number;
      if (h.centered && aa) {
        const mean = aa[ao + k]! * h.alpha + gk * (1 - h.alpha);
        aa[ao + k] = mean;
        average = Math.sqrt(sq - mean * mean) + h.eps;
      } else {
        average = Math.sqrt(sq) + h.eps;
      }
      if (h.momentum > 0 && ba) {
        const v = ba[bo + k]! * h.momentum + gk / average;
        ba[bo + k] = v;
        pa[po + k] = w - v * h.lr;
      } else {
        pa[po + k] = w - (gk / average) * h.lr;
      }
    }
  });
}
