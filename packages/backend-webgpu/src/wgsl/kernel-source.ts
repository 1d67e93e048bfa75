/**
 * Assembles a compute shader: the uniform parameter block, one storage binding per distinct
 * buffer, typed load/store functions per operand, the helper snippets it needs, and the body.
 *
 * Operands that view the same buffer share one binding (WebGPU forbids binding a buffer twice
 * when one binding writes it), so in-place ops like `x.add_(y)` read and write one array.
 */
import type { DType } from "@trek/tensor";
import { storageFormat } from "../storage-format.js";
import type { BindingAccess } from "../pipeline-cache.js";
import { snippetCode } from "./snippets.js";

export interface OperandBinding {
  readonly name: string;
  readonly dtype: DType;
  /** Identity of the underlying buffer (operands with equal identity share a binding). */
  readonly buffer: object;
  readonly write: boolean;
  /** Bind as `atomic_<name>`, an array of atomics (int32: `atomic<i32>`, float32: `atomic<u32>` holding the bits). */
  readonly atomic?: boolean;
  /**
   * Read-only float32 operand bound as `array<vec4<f32>>`, read with `ld4_<name>(i)` (the i-th
   * group of 4 elements). Gets a binding of its own even when another operand views the same
   * buffer (two read-only bindings of one buffer are allowed).
   */
  readonly vec4?: boolean;
}

export interface BindingPlan {
  /** Distinct buffers in binding order (binding i + 1). */
  readonly buffers: object[];
  readonly access: BindingAccess[];
  /** Binding slot of each operand, in operand order. */
  readonly slots: number[];
  /** Part of the pipeline key: element formats and the aliasing pattern. */
  readonly signature: string;
}

export function planBindings(operands: readonly OperandBinding[]): BindingPlan {
  const buffers: object[] = [];
  const access: BindingAccess[] = [];
  const slots: number[] = [];
  const vec4Slots = new Set<number>();
  for (const operand of operands) {
    let slot = operand.vec4 ? -1 : buffers.findIndex((b, i) => b === operand.buffer && !vec4Slots.has(i));
    if (slot < 0) {
      slot = buffers.length;
      buffers.push(operand.buffer);
      access.push("read");
      if (operand.vec4) vec4Slots.add(slot);
    }
    if (operand.write) access[slot] = "write";
    slots.push(slot);
  }
  const signature = operands
    .map((o, i) => `${o.name}:${o.dtype}@${slots[i]}${o.write ? "w" : ""}${o.atomic ? "a" : ""}${o.vec4 ? "v" : ""}`)
    .join(",");
  return { buffers, access, slots, signature };
}

/** The WGSL expression reading element `index` of array `array` as its compute value. */
export function loadExpression(dtype: DType, array: string, index: string): string {
  switch (dtype) {
    case "float16":
      return `f32(${array}[${index}])`;
    case "bfloat16":
      return `bitcast<f32>(${array}[${index}])`;
    default:
      return `${array}[${index}]`;
  }
}

/** The WGSL statement storing compute value `value` into element `index`, rounded or wrapped to the dtype. */
export function storeStatement(dtype: DType, array: string, index: string, value: string): string {
  switch (dtype) {
    case "float16":
      return `${array}[${index}] = to_f16(${value});`;
    case "bfloat16":
      return `${array}[${index}] = bf16_word(${value});`;
    case "int16":
      return `${array}[${index}] = (${value} << 16u) >> 16u;`;
    case "int8":
      return `${array}[${index}] = (${value} << 24u) >> 24u;`;
    case "uint8":
      return `${array}[${index}] = ${value} & 255i;`;
    case "bool":
      return `${array}[${index}] = select(0i, 1i, ${value} != 0i);`;
    default:
      return `${array}[${index}] = ${value};`;
  }
}

export interface SourceParts {
  readonly operands: readonly OperandBinding[];
  readonly plan: BindingPlan;
  /** Number of u32 words in the uniform parameter block. */
  readonly paramWords: number;
  readonly snippets?: Iterable<string>;
  /** Module-scope declarations and the `main` entry point. */
  readonly body: string;
}

/** The whole shader module text. */
export function kernelSource(parts: SourceParts): string {
  const { operands, plan } = parts;
  const usesF16 = operands.some((o) => o.dtype === "float16");
  const snippets = new Set(parts.snippets ?? []);
  snippets.add("float_bits");
  const lines: string[] = [];
  if (usesF16) lines.push("enable f16;");
  const vec4s = Math.max(1, Math.ceil(parts.paramWords / 4));
  lines.push(`struct Params { v: array<vec4<u32>, ${vec4s}> }`);
  lines.push("@group(0) @binding(0) var<uniform> P: Params;");
  lines.push("fn p(i: u32) -> u32 { return P.v[i >> 2u][i & 3u]; }");
  lines.push("fn pi(i: u32) -> i32 { return bitcast<i32>(P.v[i >> 2u][i & 3u]); }");
  lines.push("fn pf(i: u32) -> f32 { return bitcast<f32>(P.v[i >> 2u][i & 3u]); }");
  const declared = new Set<number>();
  operands.forEach((operand, i) => {
    const slot = plan.slots[i]!;
    const format = storageFormat(operand.dtype);
    if (operand.vec4) {
      lines.push(`@group(0) @binding(${slot + 1}) var<storage, read> b${slot}: array<vec4<f32>>;`);
      lines.push(`fn ld4_${operand.name}(i: u32) -> vec4<f32> { return b${slot}[i]; }`);
      declared.add(slot);
      return;
    }
    if (operand.atomic) {
      const element = operand.dtype === "int32" ? "atomic<i32>" : "atomic<u32>";
      lines.push(`@group(0) @binding(${slot + 1}) var<storage, read_write> atomic_${operand.name}: array<${element}>;`);
      declared.add(slot);
      return;
    }
    if (!declared.has(slot)) {
      declared.add(slot);
      const mode = plan.access[slot] === "write" ? "read_write" : "read";
      lines.push(`@group(0) @binding(${slot + 1}) var<storage, ${mode}> b${slot}: array<${format.wgslElement}>;`);
    }
    const value = format.wgslValue;
    lines.push(`fn ld_${operand.name}(i: u32) -> ${value} { return ${loadExpression(operand.dtype, `b${slot}`, "i")}; }`);
    if (operand.write) {
      lines.push(`fn st_${operand.name}(i: u32, v: ${value}) { ${storeStatement(operand.dtype, `b${slot}`, "i", "v")} }`);
      lines.push(`fn raw_st_${operand.name}(i: u32, v: ${format.wgslElement}) { b${slot}[i] = v; }`);
      if (operand.dtype === "float16") snippets.add("f16_round");
      if (operand.dtype === "bfloat16") snippets.add("bf16_round");
    }
    lines.push(`fn raw_ld_${operand.name}(i: u32) -> ${format.wgslElement} { return b${slot}[i]; }`);
  });
  lines.push(snippetCode(snippets));
  lines.push(parts.body);
  return lines.join("\n");
}

/** Workgroup counts covering `count` invocations of `groupSize`, folded into 2-d past the 65535 limit. */
export function groupsFor(count: number, groupSize: number): [number, number, number] {
  const groups = Math.ceil(count / groupSize);
  if (groups <= 65535) return [Math.max(groups, 1), 1, 1];
  const y = Math.ceil(groups / 65535);
  return [Math.ceil(groups / y), y, 1];
}

/** The flat invocation index in a `groupsFor` dispatch. */
export function globalIndexCode(groupSize: number): string {
  return `(wid.y * nwg.x + wid.x) * ${groupSize}u + lid`;
}

/** Entry point signature with the builtins `globalIndexCode` uses. */
export const MAIN_SIGNATURE =
  "fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32)";
