/**
 * Edits the keyboard list view makes: add a step at the end, move one up or down, remove one.
 * Each works on the best-effort order and relinks the steps as one path, so the list view
 * always leaves a runnable chain behind.
 */
import { COLUMN_GAP } from "./layout";
import { linearOrder } from "./order";
import { linkInOrder } from "./serialize";
import type { Graph, StepData, StepNode } from "./types";

export function orderedNodes(graph: Graph): StepNode[] {
  const byId = new Map(graph.nodes.map((node) => [node.id, node]));
  return linearOrder(graph.nodes, graph.edges).map((id) => byId.get(id) as StepNode);
}

function relink(ordered: StepNode[]): Graph {
  return { nodes: ordered, edges: linkInOrder(ordered.map((node) => node.id)) };
}

/** Append a step after the last one, to its right. */
export function appendStep(graph: Graph, id: string, data: StepData): Graph {
  const ordered = orderedNodes(graph);
  const last = ordered.at(-1);
  const position = last ? { x: last.position.x + COLUMN_GAP, y: last.position.y } : { x: 0, y: 0 };
  return relink([...ordered, { id, type: "step", position, data }]);
}

/** Move a step one place earlier (-1) or later (+1); positions swap with its neighbour. */
export function moveStep(graph: Graph, id: string, offset: -1 | 1): Graph {
  const ordered = orderedNodes(graph);
  const from = ordered.findIndex((node) => node.id === id);
  const to = from + offset;
  if (from < 0 || to < 0 || to >= ordered.length) return graph;
  const moving = ordered[from] as StepNode;
  const other = ordered[to] as StepNode;
  ordered[to] = { ...moving, position: other.position };
  ordered[from] = { ...other, position: moving.position };
  return relink(ordered);
}

/**
 * Remove steps and their edges. A removed step that sat between exactly one step before and
 * one after is bridged, so deleting from the middle of a path keeps the path whole.
 */
export function removeSteps(graph: Graph, ids: readonly string[]): Graph {
  let { nodes, edges } = graph;
  for (const id of ids) {
    const into = edges.filter((edge) => edge.target === id && edge.source !== id);
    const out = edges.filter((edge) => edge.source === id && edge.target !== id);
    nodes = nodes.filter((node) => node.id !== id);
    edges = edges.filter((edge) => edge.source !== id && edge.target !== id);
    const [before] = into;
    const [after] = out;
    if (into.length === 1 && out.length === 1 && before && after) {
      const exists = edges.some((edge) => edge.source === before.source && edge.target === after.target);
      if (!exists && before.source !== after.target) {
        edges = [...edges, ...linkInOrder([before.source, after.target])];
      }
    }
  }
  return { nodes, edges };
}
