/** Small builders for graph tests. */
import { edgeId } from "../graph/ids";
import type { StepEdge, StepNode } from "../graph/types";

export function node(id: string, x = 0, y = 0, nodeId = `lib-${id}`, config: Record<string, unknown> = {}): StepNode {
  return { id, type: "step", position: { x, y }, data: { nodeId, nodeVersionId: null, config } };
}

export function edge(source: string, target: string): StepEdge {
  return { id: edgeId(source, target), source, target };
}

/** a→b→c… laid out left to right. */
export function path(...ids: string[]): { nodes: StepNode[]; edges: StepEdge[] } {
  return {
    nodes: ids.map((id, index) => node(id, index * 100, 0)),
    edges: ids.slice(1).map((id, index) => edge(ids[index] as string, id)),
  };
}

export function counterIds(prefix = "n"): () => string {
  let next = 0;
  return () => `${prefix}${(next += 1)}`;
}
