import { edge, node, path } from "../test/graphs";
import { components, cycleNodes } from "./connectivity";
import type { CatalogEntry, StepNode } from "./types";
import { MAX_CHAIN_STEPS, validateFlow } from "./validate";

const codes = (issues: { code: string }[] | undefined) => (issues ?? []).map((issue) => issue.code);

describe("validateFlow", () => {
  it("accepts a path", () => {
    const { nodes, edges } = path("a", "b", "c");
    expect(validateFlow(nodes, edges)).toEqual({ valid: true, issues: [], chain: [], byNode: {} });
  });

  it("reports an empty chain", () => {
    const result = validateFlow([], []);
    expect(result.valid).toBe(false);
    expect(codes(result.chain)).toEqual(["empty"]);
  });

  it("reports too many steps", () => {
    const nodes = Array.from({ length: MAX_CHAIN_STEPS + 1 }, (_, index) => node(`n${index}`));
    const edges = nodes.slice(1).map((target, index) => edge((nodes[index] as StepNode).id, target.id));
    expect(validateFlow(nodes, edges).chain).toEqual([
      { code: "tooMany", params: { count: MAX_CHAIN_STEPS + 1, limit: MAX_CHAIN_STEPS } },
    ]);
  });

  it("marks every step on a cycle", () => {
    const nodes = [node("a"), node("b"), node("c")];
    const result = validateFlow(nodes, [edge("a", "b"), edge("b", "c"), edge("c", "b")]);
    expect(codes(result.byNode.a)).toEqual([]);
    expect(codes(result.byNode.b)).toContain("cycle");
    expect(codes(result.byNode.c)).toContain("cycle");
  });

  it("marks a self-loop as a cycle", () => {
    expect(codes(validateFlow([node("a")], [edge("a", "a")]).byNode.a)).toEqual(["cycle"]);
  });

  it("marks branches and merges with the number of paths", () => {
    const nodes = [node("a"), node("b"), node("c"), node("d")];
    const result = validateFlow(nodes, [edge("a", "b"), edge("a", "c"), edge("b", "d"), edge("c", "d")]);
    expect(result.byNode.a).toEqual([{ code: "branch", nodeId: "a", params: { count: 2 } }]);
    expect(result.byNode.d).toEqual([{ code: "merge", nodeId: "d", params: { count: 2 } }]);
  });

  it("marks steps outside the largest connected part", () => {
    const { nodes, edges } = path("a", "b");
    const result = validateFlow([...nodes, node("lonely")], edges);
    expect(Object.keys(result.byNode)).toEqual(["lonely"]);
    expect(codes(result.byNode.lonely)).toEqual(["disconnected"]);
  });

  describe("with the node library", () => {
    const schema = {
      type: "object",
      additionalProperties: false,
      required: ["pattern"],
      properties: { pattern: { type: "string", minLength: 1 } },
    };
    const catalog = new Map<string, CatalogEntry>([
      ["lib-a", { id: "lib-a", isActive: true, configSchema: schema }],
      ["lib-off", { id: "lib-off", isActive: false }],
    ]);

    it("reports missing and inactive nodes", () => {
      const nodes = [node("a", 0, 0, "lib-a", { pattern: "x" }), node("b", 100, 0, "gone"), node("c", 200, 0, "lib-off")];
      const result = validateFlow(nodes, [edge("a", "b"), edge("b", "c")], catalog);
      expect(codes(result.byNode.a)).toEqual([]);
      expect(codes(result.byNode.b)).toEqual(["missingNode"]);
      expect(codes(result.byNode.c)).toEqual(["inactiveNode"]);
    });

    it("reports configuration problems by field", () => {
      const result = validateFlow([node("a", 0, 0, "lib-a", { extra: 1 })], [], catalog);
      expect(result.byNode.a).toEqual([
        { code: "invalidConfig", nodeId: "a", field: "pattern", params: { field: "pattern", problem: "required" } },
        { code: "invalidConfig", nodeId: "a", field: "extra", params: { field: "extra", problem: "unknown" } },
      ]);
    });
  });
});

describe("connectivity", () => {
  it("finds components ignoring direction", () => {
    const nodes = [node("a"), node("b"), node("c")];
    expect(components(nodes, [edge("b", "a")])).toEqual([["a", "b"], ["c"]]);
  });

  it("finds only the nodes on cycles", () => {
    const nodes = [node("a"), node("b"), node("c"), node("d")];
    const edges = [edge("a", "b"), edge("b", "c"), edge("c", "b"), edge("c", "d")];
    expect([...cycleNodes(nodes, edges)].sort()).toEqual(["b", "c"]);
  });
});
