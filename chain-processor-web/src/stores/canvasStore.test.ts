import { edge, node, path } from "../test/graphs";
import {
  selectCanRedo,
  selectCanUndo,
  selectHasClipboard,
  selectSelectedNode,
  selectSelectionCount,
  useCanvasStore,
} from "./canvasStore";

const store = () => useCanvasStore.getState();
const actions = () => store().actions;
const ids = () => store().nodes.map((n) => n.id);
const pairs = () => store().edges.map((e) => `${e.source}>${e.target}`);
const data = { nodeId: "lib-x", nodeVersionId: null, config: {} };

describe("canvasStore", () => {
  beforeEach(() => {
    actions().load({ nodes: [], edges: [] });
    useCanvasStore.setState({ clipboard: null });
  });

  it("loads a graph clean, with no history", () => {
    actions().load(path("a", "b"));
    expect(ids()).toEqual(["a", "b"]);
    expect(store().dirty).toBe(false);
    expect(selectCanUndo(store())).toBe(false);
  });

  it("adds a step selected, and undoes and redoes it", () => {
    actions().load(path("a"));
    actions().select("a");
    const id = actions().addStep(data, { x: 5, y: 6 });
    expect(selectSelectedNode(store())?.id).toBe(id);
    expect(store().dirty).toBe(true);
    actions().undo();
    expect(ids()).toEqual(["a"]);
    expect(selectCanRedo(store())).toBe(true);
    actions().redo();
    expect(ids()).toEqual(["a", id]);
    actions().redo();
    expect(ids()).toEqual(["a", id]);
  });

  it("connects steps but refuses self-loops and duplicates", () => {
    actions().load({ nodes: [node("a"), node("b")], edges: [] });
    const connection = { source: "a", target: "b", sourceHandle: null, targetHandle: null };
    actions().connect(connection);
    actions().connect(connection);
    actions().connect({ ...connection, target: "a" });
    expect(pairs()).toEqual(["a>b"]);
    expect(store().history.past).toHaveLength(1);
  });

  it("appends, moves and removes steps from the list view", () => {
    actions().load(path("a", "b"));
    const id = actions().appendStep(data);
    expect(pairs()).toEqual(["a>b", `b>${id}`]);
    actions().moveStep(id, -1);
    expect(pairs()).toEqual([`a>${id}`, `${id}>b`]);
    actions().removeSteps([id]);
    expect(pairs()).toEqual(["a>b"]);
    actions().removeSteps([]);
    expect(store().history.past).toHaveLength(3);
  });

  it("updates a step's config", () => {
    actions().load(path("a", "b"));
    actions().updateStep("b", { config: { k: 1 } });
    expect(store().nodes[1]?.data).toEqual({ nodeId: "lib-b", nodeVersionId: null, config: { k: 1 } });
    expect(store().nodes[0]?.data.config).toEqual({});
  });

  it("copies, pastes and duplicates the selection", () => {
    actions().load(path("a", "b"));
    actions().paste();
    expect(ids()).toHaveLength(2);
    actions().selectAll();
    expect(selectSelectionCount(store())).toBe(2);
    actions().copy();
    expect(selectHasClipboard(store())).toBe(true);
    actions().paste();
    expect(ids()).toHaveLength(4);
    expect(store().edges).toHaveLength(2);
    expect(selectSelectionCount(store())).toBe(2);
    actions().duplicate();
    expect(ids()).toHaveLength(6);
  });

  it("deletes selected steps and edges, bridging a removed middle step", () => {
    actions().load(path("a", "b", "c"));
    actions().select("b");
    actions().deleteSelected();
    expect(pairs()).toEqual(["a>c"]);
    actions().select(null);
    actions().onEdgesChange([{ type: "select", id: store().edges[0]!.id, selected: true }]);
    actions().deleteSelected();
    expect(pairs()).toEqual([]);
    const before = store().history.past.length;
    actions().deleteSelected();
    expect(store().history.past).toHaveLength(before);
  });

  it("applies React Flow changes; selection alone is not an edit", () => {
    actions().load(path("a", "b"));
    actions().onNodesChange([{ type: "select", id: "a", selected: true }]);
    expect(store().dirty).toBe(false);
    actions().checkpoint();
    actions().onNodesChange([{ type: "position", id: "a", position: { x: 50, y: 60 }, dragging: true }]);
    expect(store().nodes[0]?.position).toEqual({ x: 50, y: 60 });
    expect(store().dirty).toBe(true);
    actions().undo();
    expect(store().nodes[0]?.position).toEqual({ x: 0, y: 0 });
  });

  it("lays the chain out and can be marked saved", () => {
    actions().load({ nodes: [node("a", 500, 500), node("b", 0, 0)], edges: [edge("a", "b")] });
    actions().autoLayout();
    expect(store().nodes.map((n) => n.position)).toEqual([{ x: 0, y: 0 }, { x: 260, y: 0 }]);
    actions().markSaved();
    expect(store().dirty).toBe(false);
  });

  it("does nothing to undo or redo on a fresh canvas", () => {
    actions().undo();
    actions().redo();
    expect(store().dirty).toBe(false);
  });
});
