/**
 * Chain ↔ canvas. A saved chain is an ordered list of steps with canvas positions (`ui`); on
 * the canvas it becomes one node per step linked in order. Saving goes the other way and needs
 * the edges to form one path (see `chainOrder`).
 */
import { edgeId, newId } from "./ids";
import { COLUMN_GAP } from "./layout";
import { chainOrder, type ChainOrder } from "./order";
import type { ChainStep, Graph, SavedStep, StepEdge, StepNode, XYPosition } from "./types";

function readPosition(ui: ChainStep["ui"]): XYPosition | null {
  const { x, y } = ui ?? {};
  if (typeof x === "number" && typeof y === "number" && Number.isFinite(x) && Number.isFinite(y)) {
    return { x, y };
  }
  return null;
}

function positionOf(step: ChainStep, index: number): number {
  return "position" in step ? step.position : index;
}

export function linkInOrder(ids: readonly string[]): StepEdge[] {
  return ids.slice(1).map((target, index) => {
    const source = ids[index] as string;
    return { id: edgeId(source, target), source, target };
  });
}

/** A saved chain on the canvas; steps without a position are laid out in a row. */
export function chainToFlow(steps: readonly ChainStep[], makeId: () => string = newId): Graph {
  const sorted = [...steps]
    .map((step, index) => ({ step, index }))
    .sort((a, b) => positionOf(a.step, a.index) - positionOf(b.step, b.index));
  const nodes: StepNode[] = sorted.map(({ step }, index) => ({
    id: makeId(),
    type: "step",
    position: readPosition(step.ui) ?? { x: index * COLUMN_GAP, y: 0 },
    data: {
      nodeId: step.node_id,
      nodeVersionId: step.node_version_id ?? null,
      config: { ...(step.config ?? {}) },
    },
  }));
  return { nodes, edges: linkInOrder(nodes.map((node) => node.id)) };
}

export type FlowToChain = { ok: true; steps: SavedStep[] } | Extract<ChainOrder, { ok: false }>;

/** The canvas as the ordered steps the API saves, or why it cannot be saved. */
export function flowToChain(nodes: readonly StepNode[], edges: readonly StepEdge[]): FlowToChain {
  const result = chainOrder(nodes, edges);
  if (!result.ok) return result;
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const steps = result.order.map((id) => {
    const node = byId.get(id) as StepNode;
    return {
      node_id: node.data.nodeId,
      node_version_id: node.data.nodeVersionId,
      config: node.data.config,
      ui: { x: Math.round(node.position.x), y: Math.round(node.position.y) },
    };
  });
  return { ok: true, steps };
}
