import { edge, node, path } from "../test/graphs";
import { autoLayout, COLUMN_GAP, layoutPositions, ROW_GAP } from "./layout";

describe("layoutPositions", () => {
  it("puts a path in one row", () => {
    const { nodes, edges } = path("a", "b", "c");
    const scrambled = nodes.map((n, i) => ({ ...n, position: { x: 500 - i * 10, y: i * 77 } }));
    expect([...layoutPositions(scrambled, edges)]).toEqual([
      ["a", { x: 0, y: 0 }],
      ["b", { x: COLUMN_GAP, y: 0 }],
      ["c", { x: 2 * COLUMN_GAP, y: 0 }],
    ]);
  });

  it("stacks branches and loose steps in columns", () => {
    const nodes = [node("a"), node("b", 10), node("c", 20), node("z", 30)];
    const positions = layoutPositions(nodes, [edge("a", "b"), edge("a", "c")], { x: 5, y: 5 });
    expect(positions.get("a")).toEqual({ x: 5, y: 5 });
    expect(positions.get("z")).toEqual({ x: 5, y: 5 + ROW_GAP });
    expect(positions.get("b")).toEqual({ x: 5 + COLUMN_GAP, y: 5 });
    expect(positions.get("c")).toEqual({ x: 5 + COLUMN_GAP, y: 5 + ROW_GAP });
  });

  it("places every node of a cycle", () => {
    const nodes = [node("a"), node("b", 100)];
    expect(layoutPositions(nodes, [edge("a", "b"), edge("b", "a")]).size).toBe(2);
  });
});

describe("autoLayout", () => {
  it("returns moved copies", () => {
    const { nodes, edges } = path("a", "b");
    const moved = autoLayout(nodes.map((n) => ({ ...n, position: { x: 9, y: 9 } })), edges);
    expect(moved.map((n) => n.position)).toEqual([{ x: 0, y: 0 }, { x: COLUMN_GAP, y: 0 }]);
  });
});
