/**
 * General matrix multiply in plain TypeScript: C = A·B (+ C when accumulating), with any strides
 * for A and B. B is packed in K-blocks into a contiguous panel so that the inner loop streams
 * memory; four rows of C are updated per pass so each loaded B value is used four times.
 */

type FloatArray = Float32Array | Float64Array;

export interface MatrixRef {
  data: FloatArray;
  offset: number;
  rowStride: number;
  colStride: number;
}

const K_BLOCK = 128;
const N_BLOCK = 512;

let panelF32 = new Float32Array(0);
let panelF64 = new Float64Array(0);

function panelFor(like: FloatArray, size: number): FloatArray {
  if (like instanceof Float64Array) {
    if (panelF64.length < size) panelF64 = new Float64Array(size);
    return panelF64;
  }
  if (panelF32.length < size) panelF32 = new Float32Array(size);
  return panelF32;
}

/**
 * C[m, n] (+)= Σ_k A[m, k] · B[k, n] for an M×K A and K×N B; C must be row-major with unit
 * column stride (`C.colStride === 1`).
 */
export function gemm(M: number, N: number, K: number, A: MatrixRef, B: MatrixRef, C: MatrixRef, accumulate: boolean): void {
  const c = C.data;
  const crs = C.rowStride;
  if (!accumulate) {
    for (let i = 0; i < M; i++) c.fill(0, C.offset + i * crs, C.offset + i * crs + N);
  }
  if (K === 0 || M === 0 || N === 0) return;
  const a = A.data;
  const ars = A.rowStride;
  const acs = A.colStride;
  for (let n0 = 0; n0 < N; n0 += N_BLOCK) {
    const nb = Math.min(N_BLOCK, N - n0);
    for (let k0 = 0; k0 < K; k0 += K_BLOCK) {
      const kb = Math.min(K_BLOCK, K - k0);
      const panel = panelFor(c, kb * nb);
      packPanel(B, k0, kb, n0, nb, panel);
      let i = 0;
      for (; i + 3 < M; i += 4) {
        const c0 = C.offset + i * crs + n0;
        const c1 = c0 + crs;
        const c2 = c1 + crs;
        const c3 = c2 + crs;
        let ap = A.offset + i * ars + k0 * acs;
        for (let k = 0; k < kb; k++, ap += acs) {
          const a0 = a[ap]!;
          const a1 = a[ap + ars]!;
          const a2 = a[ap + 2 * ars]!;
          const a3 = a[ap + 3 * ars]!;
          const p = k * nb;
          for (let j = 0; j < nb; j++) {
            const b = panel[p + j]!;
            c[c0 + j] += a0 * b;
            c[c1 + j] += a1 * b;
            c[c2 + j] += a2 * b;
            c[c3 + j] += a3 * b;
          }
        }
      }
      for (; i < M; i++) {
        const c0 = C.offset + i * crs + n0;
        let ap = A.offset + i * ars + k0 * acs;
        for (let k = 0; k < kb; k++, ap += acs) {
          const a0 = a[ap]!;
          const p = k * nb;
          for (let j = 0; j < nb; j++) c[c0 + j] += a0 * panel[p + j]!;
        }
      }
    }
  }
}

function packPanel(B: MatrixRef, k0: number, kb: number, n0: number, nb: number, panel: FloatArray): void {
  const b = B.data;
  const brs = B.rowStride;
  const bcs = B.colStride;
  if (bcs === 1) {
    for (let k = 0; k < kb; k++) {
      const start = B.offset + (k0 + k) * brs + n0;
      panel.set(b.subarray(start, start + nb), k * nb);
    }
    return;
  }
  for (let k = 0; k < kb; k++) {
    let src = B.offset + (k0 + k) * brs + n0 * bcs;
    const row = k * nb;
    for (let j = 0; j < nb; j++, src += bcs) panel[row + j] = b[src]!;
  }
}
