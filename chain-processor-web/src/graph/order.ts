/**
 * Ordering: a chain runs its steps along one path, so the canvas's edges must describe exactly
 * one sequence. `chainOrder` says whether they do; `linearOrder` always gives a best guess
 * (for the list view and for repairs), breaking ties by position on the canvas.
 */
import type { StepEdge, StepNode } from "./types";

export interface Adjacency {
  outgoing: Map<string, string[]>;
  incoming: Map<string, string[]>;
}

/** Outgoing and incoming neighbours of every node; edges to unknown nodes are ignored. */
export function adjacency(nodes: readonly StepNode[], edges: readonly StepEdge[]): Adjacency {
  const outgoing = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  const incoming = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  for (const edge of edges) {
    const out = outgoing.get(edge.source);
    const into = incoming.get(edge.target);
    if (out && into) {
      out.push(edge.target);
      into.push(edge.source);
    }
  }
  return { outgoing, incoming };
}

function byPosition(nodes: readonly StepNode[]): (a: string, b: string) => number {
  const position = new Map(nodes.map((node) => [node.id, node.position]));
  return (a, b) => {
    const pa = position.get(a);
    const pb = position.get(b);
    if (pa && pb && (pa.x !== pb.x || pa.y !== pb.y)) return pa.x - pb.x || pa.y - pb.y;
    return a < b ? -1 : a > b ? 1 : 0;
  };
}

/**
 * Kahn's algorithm. `order` holds every node not caught in a cycle, sources first, ties broken
 * left to right; `cyclic` holds the rest (nodes on a cycle or downstream of one).
 */
export function topologicalOrder(
  nodes: readonly StepNode[],
  edges: readonly StepEdge[],
): { order: string[]; cyclic: string[] } {
  const { outgoing, incoming } = adjacency(nodes, edges);
  const compare = byPosition(nodes);
  const remaining = new Map([...incoming].map(([id, from]) => [id, from.length]));
  const ready = [...remaining].filter(([, count]) => count === 0).map(([id]) => id);
  const order: string[] = [];
  while (ready.length > 0) {
    ready.sort(compare);
    const id = ready.shift() as string;
    order.push(id);
    for (const next of outgoing.get(id) ?? []) {
      const count = (remaining.get(next) ?? 0) - 1;
      remaining.set(next, count);
      if (count === 0) ready.push(next);
    }
  }
  const placed = new Set(order);
  const cyclic = nodes.map((node) => node.id).filter((id) => !placed.has(id));
  return { order, cyclic: cyclic.sort(compare) };
}

export type ChainOrder =
  | { ok: true; order: string[] }
  | { ok: false; reason: "empty" | "cycle" | "branch" | "disconnected" };

/** The steps' order when the edges form one path through every node, else why not. */
export function chainOrder(nodes: readonly StepNode[], edges: readonly StepEdge[]): ChainOrder {
  if (nodes.length === 0) return { ok: false, reason: "empty" };
  const { outgoing, incoming } = adjacency(nodes, edges);
  const { order, cyclic } = topologicalOrder(nodes, edges);
  if (cyclic.length > 0) return { ok: false, reason: "cycle" };
  for (const node of nodes) {
    const outs = new Set(outgoing.get(node.id)).size;
    const ins = new Set(incoming.get(node.id)).size;
    if (outs > 1 || ins > 1) return { ok: false, reason: "branch" };
  }
  for (let index = 1; index < order.length; index += 1) {
    const previous = order[index - 1] as string;
    if (!outgoing.get(previous)?.includes(order[index] as string)) {
      return { ok: false, reason: "disconnected" };
    }
  }
  return { ok: true, order };
}

/** A best-effort order for any graph: topological, then the nodes on cycles left to right. */
export function linearOrder(nodes: readonly StepNode[], edges: readonly StepEdge[]): string[] {
  const { order, cyclic } = topologicalOrder(nodes, edges);
  return [...order, ...cyclic];
}
