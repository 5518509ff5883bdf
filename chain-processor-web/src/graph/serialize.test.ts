import { counterIds, edge, node, path } from "../test/graphs";
import { chainToFlow, flowToChain, linkInOrder } from "./serialize";

describe("chainToFlow", () => {
  it("sorts steps by position, keeps positions and links them in order", () => {
    const graph = chainToFlow(
      [
        { node_id: "b", position: 1, config: { k: 1 }, ui: { x: 300, y: 40 } },
        { node_id: "a", position: 0, node_version_id: "v1", ui: { x: 10, y: 20 } },
      ],
      counterIds(),
    );
    expect(graph.nodes).toEqual([
      { id: "n1", type: "step", position: { x: 10, y: 20 }, data: { nodeId: "a", nodeVersionId: "v1", config: {} } },
      { id: "n2", type: "step", position: { x: 300, y: 40 }, data: { nodeId: "b", nodeVersionId: null, config: { k: 1 } } },
    ]);
    expect(graph.edges).toEqual([edge("n1", "n2")]);
  });

  it("lays out steps without a usable position in a row", () => {
    const graph = chainToFlow(
      [{ node_id: "a" }, { node_id: "b", ui: null }, { node_id: "c", ui: { x: "1", y: 2 } as unknown as { x: number; y: number } }, { node_id: "d", ui: { x: Infinity, y: 0 } }],
      counterIds(),
    );
    expect(graph.nodes.map((n) => n.position.x)).toEqual([0, 260, 520, 780]);
  });

  it("does not share config objects with its input", () => {
    const config = { a: 1 };
    const graph = chainToFlow([{ node_id: "a", config }], counterIds());
    expect(graph.nodes[0]?.data.config).not.toBe(config);
  });
});

describe("flowToChain", () => {
  it("gives ordered steps with rounded positions", () => {
    const nodes = [node("b", 100.4, 0.6, "lib-b", { x: 1 }), node("a", 0, 0, "lib-a")];
    expect(flowToChain(nodes, [edge("a", "b")])).toEqual({
      ok: true,
      steps: [
        { node_id: "lib-a", node_version_id: null, config: {}, ui: { x: 0, y: 0 } },
        { node_id: "lib-b", node_version_id: null, config: { x: 1 }, ui: { x: 100, y: 1 } },
      ],
    });
  });

  it("explains why a canvas cannot be saved", () => {
    expect(flowToChain([], [])).toEqual({ ok: false, reason: "empty" });
    const { nodes } = path("a", "b");
    expect(flowToChain(nodes, [])).toEqual({ ok: false, reason: "disconnected" });
  });

  it("round-trips a chain", () => {
    const steps = [
      { node_id: "a", node_version_id: "v", config: { n: 2 }, ui: { x: 0, y: 0 } },
      { node_id: "b", node_version_id: null, config: {}, ui: { x: 260, y: 0 } },
    ];
    const graph = chainToFlow(steps, counterIds());
    expect(flowToChain(graph.nodes, graph.edges)).toEqual({ ok: true, steps });
  });
});

describe("linkInOrder", () => {
  it("links consecutive ids", () => {
    expect(linkInOrder(["a", "b", "c"]).map((e) => [e.source, e.target])).toEqual([["a", "b"], ["b", "c"]]);
    expect(linkInOrder(["a"])).toEqual([]);
  });
});
