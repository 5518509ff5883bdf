/**
 * The canvas's vocabulary. A chain is an ordered list of steps; on the canvas each step is a
 * React Flow node of type "step" and the order is drawn as edges from one step to the next.
 */
import type { Edge, Node, XYPosition } from "@xyflow/react";
import type { StrategyNodeIn, StrategyNodePublic } from "../client/types.gen";

/** What a step on the canvas carries: which node it runs, pinned version and its config. */
export type StepData = {
  nodeId: string;
  nodeVersionId: string | null;
  config: Record<string, unknown>;
};

export type StepNode = Node<StepData, "step">;
export type StepEdge = Edge;

export interface Graph {
  nodes: StepNode[];
  edges: StepEdge[];
}

/** A step as the API takes it (StrategyNodeIn) or gives it back (StrategyNodePublic). */
export type ChainStep = StrategyNodeIn | StrategyNodePublic;

/** A step as saving sends it: the node, its pinned version, config and canvas position. */
export type SavedStep = StrategyNodeIn & { ui: XYPosition };

/** What the designer knows about a node of the library when validating a chain. */
export interface CatalogEntry {
  id: string;
  isActive: boolean;
  configSchema?: JsonSchema | null;
}

export type JsonSchema = {
  type?: string | string[];
  title?: string;
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  anyOf?: JsonSchema[];
  default?: unknown;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  examples?: unknown[];
  additionalProperties?: boolean | JsonSchema;
};

export type { XYPosition };
