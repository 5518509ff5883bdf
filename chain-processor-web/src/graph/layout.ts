/**
 * Auto-layout: steps in columns by their longest distance from a first step, left to right,
 * stacked top to bottom within a column. A valid chain becomes one tidy row.
 */
import { adjacency, linearOrder } from "./order";
import type { StepEdge, StepNode, XYPosition } from "./types";

export const COLUMN_GAP = 260;
export const ROW_GAP = 140;

export function layoutPositions(
  nodes: readonly StepNode[],
  edges: readonly StepEdge[],
  origin: XYPosition = { x: 0, y: 0 },
): Map<string, XYPosition> {
  const { incoming } = adjacency(nodes, edges);
  const order = linearOrder(nodes, edges);
  const rank = new Map(order.map((id, index) => [id, index]));
  const column = new Map<string, number>();
  for (const id of order) {
    // Only look back along the order: edges that close a cycle do not push a step right.
    const before = (incoming.get(id) ?? []).filter(
      (from) => (rank.get(from) ?? 0) < (rank.get(id) ?? 0),
    );
    column.set(id, Math.max(-1, ...before.map((from) => column.get(from) ?? 0)) + 1);
  }
  const rows = new Map<number, number>();
  const positions = new Map<string, XYPosition>();
  for (const id of order) {
    const col = column.get(id) ?? 0;
    const row = rows.get(col) ?? 0;
    rows.set(col, row + 1);
    positions.set(id, { x: origin.x + col * COLUMN_GAP, y: origin.y + row * ROW_GAP });
  }
  return positions;
}

export function autoLayout(nodes: readonly StepNode[], edges: readonly StepEdge[]): StepNode[] {
  const positions = layoutPositions(nodes, edges);
  return nodes.map((node) => ({ ...node, position: positions.get(node.id) ?? node.position }));
}
