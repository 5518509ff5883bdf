import { edge, node, path } from "../test/graphs";
import { adjacency, chainOrder, linearOrder, topologicalOrder } from "./order";

describe("adjacency", () => {
  it("ignores edges to unknown nodes", () => {
    const { outgoing, incoming } = adjacency([node("a"), node("b")], [edge("a", "b"), edge("a", "zz")]);
    expect(outgoing.get("a")).toEqual(["b"]);
    expect(incoming.get("b")).toEqual(["a"]);
  });
});

describe("topologicalOrder", () => {
  it("orders a path from its source", () => {
    const { nodes, edges } = path("a", "b", "c");
    expect(topologicalOrder([...nodes].reverse(), edges)).toEqual({ order: ["a", "b", "c"], cyclic: [] });
  });

  it("breaks ties left to right, then top to bottom", () => {
    const nodes = [node("r", 300), node("l", 0), node("m", 100, 50), node("m2", 100, 0)];
    expect(topologicalOrder(nodes, []).order).toEqual(["l", "m2", "m", "r"]);
  });

  it("breaks ties at the same position by id", () => {
    expect(topologicalOrder([node("b"), node("a")], []).order).toEqual(["a", "b"]);
  });

  it("puts nodes on a cycle aside", () => {
    const nodes = [node("a", 0), node("b", 100), node("c", 200)];
    const edges = [edge("a", "b"), edge("b", "c"), edge("c", "b")];
    expect(topologicalOrder(nodes, edges)).toEqual({ order: ["a"], cyclic: ["b", "c"] });
  });
});

describe("chainOrder", () => {
  it("gives the order of a single path", () => {
    const { nodes, edges } = path("a", "b", "c");
    expect(chainOrder(nodes, edges)).toEqual({ ok: true, order: ["a", "b", "c"] });
  });

  it("accepts a single step", () => {
    expect(chainOrder([node("a")], [])).toEqual({ ok: true, order: ["a"] });
  });

  it("refuses an empty chain", () => {
    expect(chainOrder([], [])).toEqual({ ok: false, reason: "empty" });
  });

  it("refuses a cycle", () => {
    const nodes = [node("a"), node("b")];
    expect(chainOrder(nodes, [edge("a", "b"), edge("b", "a")])).toEqual({ ok: false, reason: "cycle" });
  });

  it("refuses a branch and a merge", () => {
    const nodes = [node("a"), node("b"), node("c")];
    expect(chainOrder(nodes, [edge("a", "b"), edge("a", "c")])).toMatchObject({ reason: "branch" });
    expect(chainOrder(nodes, [edge("a", "c"), edge("b", "c")])).toMatchObject({ reason: "branch" });
  });

  it("refuses steps that are not linked", () => {
    expect(chainOrder([node("a"), node("b")], [])).toEqual({ ok: false, reason: "disconnected" });
    const { nodes, edges } = path("a", "b");
    expect(chainOrder([...nodes, node("c", 500)], edges)).toMatchObject({ reason: "disconnected" });
  });
});

describe("linearOrder", () => {
  it("appends cyclic nodes after the rest", () => {
    const nodes = [node("a", 0), node("b", 100), node("c", 200), node("d", 50)];
    const edges = [edge("b", "c"), edge("c", "b")];
    expect(linearOrder(nodes, edges)).toEqual(["a", "d", "b", "c"]);
  });
});
