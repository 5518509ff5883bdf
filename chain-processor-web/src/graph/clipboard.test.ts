import { counterIds, path } from "../test/graphs";
import { copySelection, duplicateSelection, pasteClip } from "./clipboard";

describe("copySelection", () => {
  it("copies selected steps and the edges among them", () => {
    const clip = copySelection(path("a", "b", "c"), new Set(["a", "b"]));
    expect(clip?.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(clip?.edges.map((e) => [e.source, e.target])).toEqual([["a", "b"]]);
  });

  it("copies nothing without a selection", () => {
    expect(copySelection(path("a"), new Set())).toBeNull();
  });

  it("is a deep copy", () => {
    const graph = path("a");
    const clip = copySelection(graph, new Set(["a"]));
    expect(clip?.nodes[0]?.data).not.toBe(graph.nodes[0]?.data);
  });
});

describe("pasteClip", () => {
  it("adds the clip under new ids, shifted and selected", () => {
    const graph = path("a", "b");
    graph.nodes[0] = { ...graph.nodes[0]!, selected: true };
    const clip = copySelection(graph, new Set(["a", "b"]))!;
    const result = pasteClip(graph, clip, 40, counterIds("p"));
    expect(result.nodes.map((n) => [n.id, n.position.x, n.position.y, Boolean(n.selected)])).toEqual([
      ["a", 0, 0, false],
      ["b", 100, 0, false],
      ["p1", 40, 40, true],
      ["p2", 140, 40, true],
    ]);
    expect(result.edges.map((e) => [e.source, e.target])).toEqual([["a", "b"], ["p1", "p2"]]);
  });
});

describe("duplicateSelection", () => {
  it("duplicates the selection", () => {
    const result = duplicateSelection(path("a", "b"), new Set(["b"]), counterIds("d"));
    expect(result.nodes.map((n) => n.id)).toEqual(["a", "b", "d1"]);
    expect(result.nodes[2]?.data).toEqual(result.nodes[1]?.data);
  });

  it("does nothing without a selection", () => {
    const graph = path("a");
    expect(duplicateSelection(graph, new Set())).toBe(graph);
  });
});
