/**
 * Named WGSL helper functions with dependencies, so that a generated shader contains exactly
 * the helpers its expressions call.
 */
import { FLOAT_SNIPPETS } from "./float-math.js";
import { INT32_SNIPPETS } from "./int32.js";
import { INT64_SNIPPETS } from "./int64.js";
import { STORAGE_SNIPPETS } from "./storage-conversion.js";

export interface Snippet {
  readonly code: string;
  readonly deps?: readonly string[];
}

const ALL: Record<string, Snippet> = { ...STORAGE_SNIPPETS, ...FLOAT_SNIPPETS, ...INT32_SNIPPETS, ...INT64_SNIPPETS };

/** The code of the named snippets and everything they depend on, each once, dependencies first. */
export function snippetCode(names: Iterable<string>): string {
  const done = new Set<string>();
  const parts: string[] = [];
  const visit = (name: string): void => {
    if (done.has(name)) return;
    const snippet = ALL[name];
    if (!snippet) throw new Error(`internal: unknown WGSL snippet "${name}"`);
    done.add(name);
    for (const dep of snippet.deps ?? []) visit(dep);
    parts.push(snippet.code);
  };
  for (const name of names) visit(name);
  return parts.join("\n");
}
