/**
 * The designer's canvas: steps, edges and selection, with undo/redo and a clipboard. Actions
 * only, no fetching: pages load a chain into it and read the result back out with
 * `flowToChain`. Selectors live at module scope so components subscribe to exactly one slice.
 */
import { addEdge, applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from "@xyflow/react";
import { create } from "zustand";
import {
  autoLayout,
  copySelection,
  duplicateSelection,
  edgeId,
  emptyHistory,
  newId,
  pasteClip,
  record,
  redo,
  undo,
  appendStep,
  moveStep,
  removeSteps,
  type Clip,
  type Graph,
  type History,
  type StepData,
  type StepEdge,
  type StepNode,
  type XYPosition,
} from "../graph";

export interface CanvasState {
  nodes: StepNode[];
  edges: StepEdge[];
  history: History<Graph>;
  clipboard: Clip | null;
  dirty: boolean;
  actions: CanvasActions;
}

export interface CanvasActions {
  load: (graph: Graph) => void;
  markSaved: () => void;
  onNodesChange: (changes: NodeChange<StepNode>[]) => void;
  onEdgesChange: (changes: EdgeChange<StepEdge>[]) => void;
  connect: (connection: Connection) => void;
  /** Snapshot before a change made in several events, such as a drag. */
  checkpoint: () => void;
  addStep: (data: StepData, position: XYPosition) => string;
  appendStep: (data: StepData) => string;
  moveStep: (id: string, offset: -1 | 1) => void;
  removeSteps: (ids: readonly string[]) => void;
  updateStep: (id: string, patch: Partial<StepData>) => void;
  select: (id: string | null) => void;
  selectAll: () => void;
  copy: () => void;
  paste: () => void;
  duplicate: () => void;
  deleteSelected: () => void;
  autoLayout: () => void;
  undo: () => void;
  redo: () => void;
}

type SetState = (fn: (state: CanvasState) => Partial<CanvasState>) => void;

function graphOf(state: CanvasState): Graph {
  return { nodes: state.nodes, edges: state.edges };
}

/** Apply a change to the graph and remember the state before it. */
function change(set: SetState, fn: (graph: Graph, state: CanvasState) => Graph): void {
  set((state) => {
    const next = fn(graphOf(state), state);
    if (next.nodes === state.nodes && next.edges === state.edges) return {};
    return { ...next, history: record(state.history, graphOf(state)), dirty: true };
  });
}

function selectedIds(state: CanvasState): Set<string> {
  return new Set(state.nodes.filter((node) => node.selected).map((node) => node.id));
}

const QUIET_CHANGES = new Set(["select", "dimensions"]);

export const useCanvasStore = create<CanvasState>()((set, get) => ({
  nodes: [],
  edges: [],
  history: emptyHistory(),
  clipboard: null,
  dirty: false,
  actions: {
    load: (graph) => set(() => ({ ...graph, history: emptyHistory(), dirty: false })),
    markSaved: () => set(() => ({ dirty: false })),
    onNodesChange: (changes) =>
      set((state) => {
        const dirty = state.dirty || changes.some((c) => !QUIET_CHANGES.has(c.type));
        return { nodes: applyNodeChanges(changes, state.nodes), dirty };
      }),
    onEdgesChange: (changes) =>
      set((state) => {
        const dirty = state.dirty || changes.some((c) => !QUIET_CHANGES.has(c.type));
        return { edges: applyEdgeChanges(changes, state.edges), dirty };
      }),
    connect: ({ source, target }) =>
      change(set, (graph) => {
        if (source === target || graph.edges.some((e) => e.source === source && e.target === target)) {
          return graph;
        }
        return { ...graph, edges: addEdge({ id: edgeId(source, target), source, target }, graph.edges) };
      }),
    checkpoint: () => set((state) => ({ history: record(state.history, graphOf(state)) })),
    addStep: (data, position) => {
      const id = newId();
      change(set, (graph) => ({
        ...graph,
        nodes: [
          ...graph.nodes.map((node) => (node.selected ? { ...node, selected: false } : node)),
          { id, type: "step", position, data, selected: true },
        ],
      }));
      return id;
    },
    appendStep: (data) => {
      const id = newId();
      change(set, (graph) => appendStep(graph, id, data));
      return id;
    },
    moveStep: (id, offset) => change(set, (graph) => moveStep(graph, id, offset)),
    removeSteps: (ids) => change(set, (graph) => (ids.length ? removeSteps(graph, ids) : graph)),
    updateStep: (id, patch) =>
      change(set, (graph) => ({
        ...graph,
        nodes: graph.nodes.map((node) => (node.id === id ? { ...node, data: { ...node.data, ...patch } } : node)),
      })),
    select: (id) =>
      set((state) => ({
        nodes: state.nodes.map((node) =>
          Boolean(node.selected) === (node.id === id) ? node : { ...node, selected: node.id === id },
        ),
      })),
    selectAll: () => set((state) => ({ nodes: state.nodes.map((node) => ({ ...node, selected: true })) })),
    copy: () => set((state) => ({ clipboard: copySelection(graphOf(state), selectedIds(state)) })),
    paste: () => {
      const clip = get().clipboard;
      if (clip) change(set, (graph) => pasteClip(graph, clip));
    },
    duplicate: () => change(set, (graph, state) => duplicateSelection(graph, selectedIds(state))),
    deleteSelected: () =>
      change(set, (graph, state) => {
        const ids = [...selectedIds(state)];
        const edges = graph.edges.filter((edge) => !edge.selected);
        if (ids.length === 0 && edges.length === graph.edges.length) return graph;
        return removeSteps({ nodes: graph.nodes, edges }, ids);
      }),
    autoLayout: () => change(set, (graph) => ({ ...graph, nodes: autoLayout(graph.nodes, graph.edges) })),
    undo: () =>
      set((state) => {
        const result = undo(state.history, graphOf(state));
        return result ? { ...result.present, history: result.history, dirty: true } : {};
      }),
    redo: () =>
      set((state) => {
        const result = redo(state.history, graphOf(state));
        return result ? { ...result.present, history: result.history, dirty: true } : {};
      }),
  },
}));

export const selectNodes = (state: CanvasState) => state.nodes;
export const selectEdges = (state: CanvasState) => state.edges;
export const selectActions = (state: CanvasState) => state.actions;
export const selectDirty = (state: CanvasState) => state.dirty;
export const selectCanUndo = (state: CanvasState) => state.history.past.length > 0;
export const selectCanRedo = (state: CanvasState) => state.history.future.length > 0;
export const selectHasClipboard = (state: CanvasState) => state.clipboard !== null;
export const selectSelectedNode = (state: CanvasState): StepNode | undefined => {
  const selected = state.nodes.filter((node) => node.selected);
  return selected.length === 1 ? selected[0] : undefined;
};
export const selectSelectionCount = (state: CanvasState) => state.nodes.filter((node) => node.selected).length;

export const useCanvasActions = () => useCanvasStore(selectActions);
