/** Integer division semantics of the Backend contract for i32: floor division and remainder, 0 on division by zero. */
import type { Snippet } from "./snippets.js";

export const INT32_SNIPPETS: Record<string, Snippet> = {
  int_ops: {
    code: /* wgsl */ `
fn idiv_floor(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  // -a wraps for the most negative value, as the CPU's float division then int32 store does.
  if (b == -1i) { return -a; }
  let q = a / b;
  return select(q, q - 1i, (a % b != 0i) && ((a < 0i) != (b < 0i)));
}
fn imod_floor(a: i32, b: i32) -> i32 {
  if (b == 0i || b == -1i) { return 0i; }
  let r = a % b;
  return select(r, r + b, r != 0i && ((r < 0i) != (b < 0i)));
}
// Power by squaring, wrapping like int32; negative exponents give 0.
fn ipow(a: i32, b: i32) -> i32 {
  if (b < 0i) { return 0i; }
  var result = 1i;
  var base = a;
  var e = u32(b);
  loop {
    if ((e & 1u) == 1u) { result = result * base; }
    e = e >> 1u;
    if (e == 0u) { break; }
    base = base * base;
  }
  return result;
}
`,
  },
};
