/**
 * Single-precision GEMM: C[m0:m1, n0:n1] = A·B (+ C when accumulating), A and B with any element
 * strides. Blocked as in Goto's algorithm: a KC×NC panel of B and an MC×KC block of A are packed
 * into contiguous slivers (NR columns of B, MR rows of A, interleaved along k) so that the 4×8
 * register-blocked micro-kernel streams both with unit stride. Eight f32x4 accumulators, two B
 * vectors and one broadcast A value fit in the 16 SIMD registers V8 allocates; wider tiles spill.
 *
 * Pointers are byte addresses in linear memory; strides and sizes count elements.
 */

export const MR: i32 = 4;
export const NR: i32 = 8;
export const KC: i32 = 256;
export const MC: i32 = 128;
export const NC: i32 = 1024;

/** Bytes of scratch one thread needs: a B panel, an A block and one edge tile. */
export const GEMM_SCRATCH_BYTES: i32 = (KC * NC + MC * KC + MR * NR) * 4;

// @ts-ignore: decorator
@inline function addr(base: usize, index: i32): usize {
  return base + (<usize>index << 2);
}

/** Packs rows [0, mc) × cols [0, kc) of A (at `a`) into MR-row slivers, zero-padding the last. */
function packA(a: usize, rs: i32, cs: i32, mc: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < mc; i += MR) {
    const rows = min(MR, mc - i);
    let d = addr(dst, i * kc);
    const src = addr(a, i * rs);
    if (rows == MR && rs == 1) {
      // Column-major A (a transposed operand): the four values of each k are adjacent.
      for (let k = 0; k < kc; k++, d += 16) v128.store(d, v128.load(addr(src, k * cs)));
    } else if (rows == MR) {
      const r1 = rs, r2 = 2 * rs, r3 = 3 * rs;
      for (let k = 0, s = 0; k < kc; k++, d += 16, s += cs) {
        store<f32>(d, load<f32>(addr(src, s)));
        store<f32>(d, load<f32>(addr(src, s + r1)), 4);
        store<f32>(d, load<f32>(addr(src, s + r2)), 8);
        store<f32>(d, load<f32>(addr(src, s + r3)), 12);
      }
    } else {
      for (let k = 0; k < kc; k++, d += 16) {
        v128.store(d, f32x4.splat(0));
        for (let r = 0; r < rows; r++) store<f32>(d + (<usize>r << 2), load<f32>(addr(src, r * rs + k * cs)));
      }
    }
  }
}

/** Packs rows [0, kc) × cols [0, nc) of B (at `b`) into NR-column slivers, zero-padding the last. */
function packB(b: usize, rs: i32, cs: i32, kc: i32, nc: i32, dst: usize): void {
  for (let j = 0; j < nc; j += NR) {
    const cols = min(NR, nc - j);
    let d = addr(dst, j * kc);
    const src = addr(b, j * cs);
    if (cols == NR && cs == 1) {
      for (let k = 0; k < kc; k++, d += 32) {
        const s = addr(src, k * rs);
        v128.store(d, v128.load(s));
        v128.store(d, v128.load(s, 16), 16);
      }
    } else if (cols == NR && rs == 1) {
      // Column-major B (e.g. xWᵀ): read 4 k-values per column and transpose 4×4 blocks.
      let k = 0;
      for (; k + 4 <= kc; k += 4, d += 128) {
        for (let half = 0; half < 2; half++) {
          const c0 = addr(src, k + (half * 4) * cs);
          const p0 = v128.load(c0);
          const p1 = v128.load(addr(c0, cs));
          const p2 = v128.load(addr(c0, 2 * cs));
          const p3 = v128.load(addr(c0, 3 * cs));
          const t0 = v128.shuffle<f32>(p0, p1, 0, 4, 1, 5);
          const t1 = v128.shuffle<f32>(p2, p3, 0, 4, 1, 5);
          const t2 = v128.shuffle<f32>(p0, p1, 2, 6, 3, 7);
          const t3 = v128.shuffle<f32>(p2, p3, 2, 6, 3, 7);
          const o = d + (<usize>half << 4);
          v128.store(o, v128.shuffle<f32>(t0, t1, 0, 1, 4, 5));
          v128.store(o, v128.shuffle<f32>(t0, t1, 2, 3, 6, 7), 32);
          v128.store(o, v128.shuffle<f32>(t2, t3, 0, 1, 4, 5), 64);
          v128.store(o, v128.shuffle<f32>(t2, t3, 2, 3, 6, 7), 96);
        }
      }
      for (; k < kc; k++, d += 32) {
        for (let c = 0; c < NR; c++) store<f32>(d + (<usize>c << 2), load<f32>(addr(src, k + c * cs)));
      }
    } else {
      for (let k = 0; k < kc; k++, d += 32) {
        v128.store(d, f32x4.splat(0));
        v128.store(d, f32x4.splat(0), 16);
        for (let c = 0; c < cols; c++) store<f32>(d + (<usize>c << 2), load<f32>(addr(src, k * rs + c * cs)));
      }
    }
  }
}

/** One MR×NR tile: C (row stride ldc) = Ap·Bp, or C += Ap·Bp when `add`. */
// @ts-ignore: decorator
@inline function microKernel(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, add: bool): void {
  let c00 = f32x4.splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp);
    const b1 = v128.load(bp, 16);
    const a0 = v128.load32_splat(ap);
    c00 = f32x4.add(c00, f32x4.mul(a0, b0));
    c01 = f32x4.add(c01, f32x4.mul(a0, b1));
    const a1 = v128.load32_splat(ap, 4);
    c10 = f32x4.add(c10, f32x4.mul(a1, b0));
    c11 = f32x4.add(c11, f32x4.mul(a1, b1));
    const a2 = v128.load32_splat(ap, 8);
    c20 = f32x4.add(c20, f32x4.mul(a2, b0));
    c21 = f32x4.add(c21, f32x4.mul(a2, b1));
    const a3 = v128.load32_splat(ap, 12);
    c30 = f32x4.add(c30, f32x4.mul(a3, b0));
    c31 = f32x4.add(c31, f32x4.mul(a3, b1));
    ap += 16;
    bp += 32;
  }
  const ld = <usize>ldc << 2;
  if (add) {
    v128.store(c, f32x4.add(v128.load(c), c00));
    v128.store(c, f32x4.add(v128.load(c, 16), c01), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c10));
    v128.store(c, f32x4.add(v128.load(c, 16), c11), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c20));
    v128.store(c, f32x4.add(v128.load(c, 16), c21), 16);
    c += ld;
    v128.store(c, f32x4.add(v128.load(c), c30));
    v128.store(c, f32x4.add(v128.load(c, 16), c31), 16);
  } else {
    v128.store(c, c00);
    v128.store(c, c01, 16);
    c += ld;
    v128.store(c, c10);
    v128.store(c, c11, 16);
    c += ld;
    v128.store(c, c20);
    v128.store(c, c21, 16);
    c += ld;
    v128.store(c, c30);
    v128.store(c, c31, 16);
  }
}

function fullTile(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, add: bool): void {
  if (add) microKernel(kc, ap, bp, c, ldc, true);
  else microKernel(kc, ap, bp, c, ldc, false);
}

/** A partial tile (mr < MR or nr < NR): compute into `tile`, then store the valid part. */
function edgeTile(kc: i32, ap: usize, bp: usize, c: usize, ldc: i32, add: bool, mr: i32, nr: i32, tile: usize): void {
  microKernel(kc, ap, bp, tile, NR, false);
  for (let i = 0; i < mr; i++) {
    const row = addr(c, i * ldc);
    const t = addr(tile, i * NR);
    for (let j = 0; j < nr; j++) {
      const v = load<f32>(addr(t, j));
      store<f32>(addr(row, j), add ? load<f32>(addr(row, j)) + v : v);
    }
  }
}

/**
 * C[m0:m1, n0:n1] = A·B, or += when `accumulate`. A is M×K (strides ars, acs), B is K×N (brs,
 * bcs), C is row-major with row stride ldc. `scratch` holds GEMM_SCRATCH_BYTES.
 */
export function sgemm(
  m0: i32, m1: i32, n0: i32, n1: i32, K: i32,
  a: usize, ars: i32, acs: i32,
  b: usize, brs: i32, bcs: i32,
  c: usize, ldc: i32,
  accumulate: bool, scratch: usize,
): void {
  if (m1 <= m0 || n1 <= n0) return;
  if (K == 0) {
    if (!accumulate) {
      for (let i = m0; i < m1; i++) memory.fill(addr(c, i * ldc + n0), 0, <usize>(n1 - n0) << 2);
    }
    return;
  }
  const bPack = scratch;
  const aPack = addr(scratch, KC * NC);
  const tile = addr(aPack, MC * KC);
  for (let jc = n0; jc < n1; jc += NC) {
    const nc = min(NC, n1 - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = min(KC, K - pc);
      const add = accumulate || pc > 0;
      packB(addr(b, pc * brs + jc * bcs), brs, bcs, kc, nc, bPack);
      for (let ic = m0; ic < m1; ic += MC) {
        const mc = min(MC, m1 - ic);
        packA(addr(a, ic * ars + pc * acs), ars, acs, mc, kc, aPack);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = min(NR, nc - jr);
          const bp = addr(bPack, jr * kc);
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = min(MR, mc - ir);
            const ap = addr(aPack, ir * kc);
            const cp = addr(c, (ic + ir) * ldc + jc + jr);
            if (mr == MR && nr == NR) fullTile(kc, ap, bp, cp, ldc, add);
            else edgeTile(kc, ap, bp, cp, ldc, add, mr, nr, tile);
          }
        }
      }
    }
  }
}
