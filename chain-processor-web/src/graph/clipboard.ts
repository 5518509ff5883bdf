/** Copy, paste and duplicate: the selected steps and the edges among them, under new ids. */
import { edgeId, newId } from "./ids";
import type { Graph, StepEdge, StepNode } from "./types";

export interface Clip {
  nodes: StepNode[];
  edges: StepEdge[];
}

export const PASTE_OFFSET = 40;

export function copySelection(graph: Graph, selected: ReadonlySet<string>): Clip | null {
  const nodes = graph.nodes.filter((node) => selected.has(node.id));
  if (nodes.length === 0) return null;
  const edges = graph.edges.filter((edge) => selected.has(edge.source) && selected.has(edge.target));
  return structuredClone({ nodes, edges });
}

/** The clip under fresh ids, shifted by `offset`, selected (and the old selection cleared). */
export function pasteClip(
  graph: Graph,
  clip: Clip,
  offset = PASTE_OFFSET,
  makeId: () => string = newId,
): Graph {
  const ids = new Map(clip.nodes.map((node) => [node.id, makeId()]));
  const pasted: StepNode[] = clip.nodes.map((node) => ({
    id: ids.get(node.id) as string,
    type: "step",
    position: { x: node.position.x + offset, y: node.position.y + offset },
    data: structuredClone(node.data),
    selected: true,
  }));
  const edges = clip.edges.map((edge) => {
    const source = ids.get(edge.source) as string;
    const target = ids.get(edge.target) as string;
    return { id: edgeId(source, target), source, target };
  });
  return {
    nodes: [...graph.nodes.map((node) => (node.selected ? { ...node, selected: false } : node)), ...pasted],
    edges: [...graph.edges, ...edges],
  };
}

export function duplicateSelection(
  graph: Graph,
  selected: ReadonlySet<string>,
  makeId: () => string = newId,
): Graph {
  const clip = copySelection(graph, selected);
  return clip ? pasteClip(graph, clip, PASTE_OFFSET, makeId) : graph;
}
