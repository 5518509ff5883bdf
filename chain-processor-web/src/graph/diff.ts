/**
 * What changed between two versions of a chain, step by step: steps matched by position and
 * node, reported as added, removed, replaced or reconfigured.
 */
import type { ChainStep } from "./types";

export type StepChange =
  | { kind: "added"; position: number; nodeId: string }
  | { kind: "removed"; position: number; nodeId: string }
  | { kind: "replaced"; position: number; before: string; after: string }
  | { kind: "config"; position: number; nodeId: string; keys: string[] }
  | { kind: "version"; position: number; nodeId: string };

function sorted(steps: readonly ChainStep[]): ChainStep[] {
  const position = (step: ChainStep) => ("position" in step ? step.position : 0);
  return [...steps].sort((a, b) => position(a) - position(b));
}

function changedKeys(a: Record<string, unknown> = {}, b: Record<string, unknown> = {}): string[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].filter((key) => JSON.stringify(a[key]) !== JSON.stringify(b[key])).sort();
}

export function diffSteps(before: readonly ChainStep[], after: readonly ChainStep[]): StepChange[] {
  const a = sorted(before);
  const b = sorted(after);
  const changes: StepChange[] = [];
  for (let position = 0; position < Math.max(a.length, b.length); position += 1) {
    const old = a[position];
    const next = b[position];
    if (!old && next) changes.push({ kind: "added", position, nodeId: next.node_id });
    else if (old && !next) changes.push({ kind: "removed", position, nodeId: old.node_id });
    else if (old && next) {
      if (old.node_id !== next.node_id) {
        changes.push({ kind: "replaced", position, before: old.node_id, after: next.node_id });
        continue;
      }
      const keys = changedKeys(old.config, next.config);
      if (keys.length > 0) changes.push({ kind: "config", position, nodeId: next.node_id, keys });
      if ((old.node_version_id ?? null) !== (next.node_version_id ?? null)) {
        changes.push({ kind: "version", position, nodeId: next.node_id });
      }
    }
  }
  return changes;
}
