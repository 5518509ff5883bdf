import { edge, node, path } from "../test/graphs";
import { appendStep, moveStep, orderedNodes, removeSteps } from "./edit";

const data = { nodeId: "lib-x", nodeVersionId: null, config: {} };
const pairs = (graph: { edges: { source: string; target: string }[] }) => graph.edges.map((e) => `${e.source}>${e.target}`);

describe("appendStep", () => {
  it("adds the first step at the origin", () => {
    const graph = appendStep({ nodes: [], edges: [] }, "x", data);
    expect(graph.nodes).toEqual([{ id: "x", type: "step", position: { x: 0, y: 0 }, data }]);
    expect(graph.edges).toEqual([]);
  });

  it("adds a step after the last one and links it", () => {
    const graph = appendStep(path("a", "b"), "x", data);
    expect(graph.nodes.at(-1)?.position).toEqual({ x: 360, y: 0 });
    expect(pairs(graph)).toEqual(["a>b", "b>x"]);
  });
});

describe("moveStep", () => {
  it("swaps a step with its neighbour, positions included", () => {
    const graph = moveStep(path("a", "b", "c"), "c", -1);
    expect(orderedNodes(graph).map((n) => n.id)).toEqual(["a", "c", "b"]);
    expect(graph.nodes.find((n) => n.id === "c")?.position).toEqual({ x: 100, y: 0 });
    expect(pairs(graph)).toEqual(["a>c", "c>b"]);
  });

  it("moves a step later", () => {
    expect(pairs(moveStep(path("a", "b", "c"), "a", 1))).toEqual(["b>a", "a>c"]);
  });

  it("leaves the chain alone at either end or for an unknown step", () => {
    const graph = path("a", "b");
    expect(moveStep(graph, "a", -1)).toBe(graph);
    expect(moveStep(graph, "b", 1)).toBe(graph);
    expect(moveStep(graph, "zz", 1)).toBe(graph);
  });
});

describe("removeSteps", () => {
  it("joins the neighbours of a removed step", () => {
    expect(pairs(removeSteps(path("a", "b", "c"), ["b"]))).toEqual(["a>c"]);
  });

  it("joins across several removed steps in a row", () => {
    expect(pairs(removeSteps(path("a", "b", "c", "d"), ["b", "c"]))).toEqual(["a>d"]);
  });

  it("does not bridge around a branch, a loop or an existing edge", () => {
    const nodes = [node("a", 0), node("b", 100, 0), node("c", 100, 100), node("d", 200)];
    const branched = { nodes, edges: [edge("a", "b"), edge("a", "c"), edge("c", "d"), edge("b", "d")] };
    expect(pairs(removeSteps(branched, ["a"]))).toEqual(["c>d", "b>d"]);
    expect(pairs(removeSteps({ nodes, edges: [edge("a", "b"), edge("b", "a")] }, ["b"]))).toEqual([]);
    const triangle = { nodes, edges: [edge("a", "b"), edge("b", "c"), edge("a", "c")] };
    expect(pairs(removeSteps(triangle, ["b"]))).toEqual(["a>c"]);
    expect(removeSteps(path("a", "b"), ["b"]).nodes.map((n) => n.id)).toEqual(["a"]);
  });
});
