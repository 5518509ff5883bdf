/** Weakly connected components: which steps are linked to each other, ignoring direction. */
import { adjacency } from "./order";
import type { StepEdge, StepNode } from "./types";

export function components(nodes: readonly StepNode[], edges: readonly StepEdge[]): string[][] {
  const { outgoing, incoming } = adjacency(nodes, edges);
  const seen = new Set<string>();
  const result: string[][] = [];
  for (const node of nodes) {
    if (seen.has(node.id)) continue;
    const component: string[] = [];
    const stack = [node.id];
    seen.add(node.id);
    while (stack.length > 0) {
      const id = stack.pop() as string;
      component.push(id);
      for (const next of [...(outgoing.get(id) ?? []), ...(incoming.get(id) ?? [])]) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    result.push(component);
  }
  return result;
}

/** The nodes on a cycle: each strongly connected component of more than one node, or a self-loop. */
export function cycleNodes(nodes: readonly StepNode[], edges: readonly StepEdge[]): Set<string> {
  const { outgoing } = adjacency(nodes, edges);
  const onCycle = new Set<string>();
  for (const node of nodes) {
    // A node is on a cycle when it can reach itself.
    const stack = [...(outgoing.get(node.id) ?? [])];
    const seen = new Set<string>();
    while (stack.length > 0) {
      const id = stack.pop() as string;
      if (id === node.id) {
        onCycle.add(node.id);
        break;
      }
      if (seen.has(id)) continue;
      seen.add(id);
      stack.push(...(outgoing.get(id) ?? []));
    }
  }
  return onCycle;
}
