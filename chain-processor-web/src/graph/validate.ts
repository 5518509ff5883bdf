/**
 * Live validation of the canvas: every problem that would stop the chain from saving or
 * running, keyed by the step it concerns so the canvas can show it on that step. Messages are
 * codes plus parameters; the UI translates them.
 */
import { validateConfig } from "./config";
import { components, cycleNodes } from "./connectivity";
import { adjacency } from "./order";
import type { CatalogEntry, StepEdge, StepNode } from "./types";

export const MAX_CHAIN_STEPS = 100;

export type IssueCode =
  | "empty"
  | "tooMany"
  | "cycle"
  | "branch"
  | "merge"
  | "disconnected"
  | "missingNode"
  | "inactiveNode"
  | "invalidConfig";

export interface Issue {
  code: IssueCode;
  nodeId?: string;
  field?: string;
  params?: Record<string, number | string>;
}

export interface Validation {
  valid: boolean;
  issues: Issue[];
  /** Issues about a whole chain (empty, too many steps). */
  chain: Issue[];
  byNode: Record<string, Issue[]>;
}

function structuralIssues(nodes: readonly StepNode[], edges: readonly StepEdge[]): Issue[] {
  const issues: Issue[] = [];
  const onCycle = cycleNodes(nodes, edges);
  const { outgoing, incoming } = adjacency(nodes, edges);
  for (const node of nodes) {
    if (onCycle.has(node.id)) issues.push({ code: "cycle", nodeId: node.id });
    const outs = new Set(outgoing.get(node.id)).size;
    const ins = new Set(incoming.get(node.id)).size;
    if (outs > 1) issues.push({ code: "branch", nodeId: node.id, params: { count: outs } });
    if (ins > 1) issues.push({ code: "merge", nodeId: node.id, params: { count: ins } });
  }
  const parts = components(nodes, edges);
  if (parts.length > 1) {
    const largest = parts.reduce((best, part) => (part.length > best.length ? part : best));
    for (const part of parts) {
      if (part === largest) continue;
      for (const id of part) issues.push({ code: "disconnected", nodeId: id });
    }
  }
  return issues;
}

function catalogIssues(nodes: readonly StepNode[], catalog: ReadonlyMap<string, CatalogEntry>): Issue[] {
  const issues: Issue[] = [];
  for (const node of nodes) {
    const entry = catalog.get(node.data.nodeId);
    if (!entry) {
      issues.push({ code: "missingNode", nodeId: node.id });
      continue;
    }
    if (!entry.isActive) issues.push({ code: "inactiveNode", nodeId: node.id });
    for (const error of validateConfig(entry.configSchema, node.data.config)) {
      issues.push({
        code: "invalidConfig",
        nodeId: node.id,
        field: error.field,
        params: { field: error.field, problem: error.code, ...error.params },
      });
    }
  }
  return issues;
}

/** Validate the canvas; pass the node library as `catalog` to check nodes and configs too. */
export function validateFlow(
  nodes: readonly StepNode[],
  edges: readonly StepEdge[],
  catalog?: ReadonlyMap<string, CatalogEntry>,
): Validation {
  const chain: Issue[] = [];
  if (nodes.length === 0) chain.push({ code: "empty" });
  if (nodes.length > MAX_CHAIN_STEPS) {
    chain.push({ code: "tooMany", params: { count: nodes.length, limit: MAX_CHAIN_STEPS } });
  }
  const perNode = [...structuralIssues(nodes, edges), ...(catalog ? catalogIssues(nodes, catalog) : [])];
  const byNode: Record<string, Issue[]> = {};
  for (const issue of perNode) {
    const id = issue.nodeId as string;
    (byNode[id] ??= []).push(issue);
  }
  const issues = [...chain, ...perNode];
  return { valid: issues.length === 0, issues, chain, byNode };
}
