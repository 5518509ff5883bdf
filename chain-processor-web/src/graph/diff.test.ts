import { diffSteps } from "./diff";

describe("diffSteps", () => {
  it("finds added, removed, replaced, reconfigured and re-pinned steps", () => {
    const before = [
      { node_id: "a", position: 0, config: { x: 1 }, node_version_id: "v1" },
      { node_id: "b", position: 1 },
      { node_id: "c", position: 2 },
    ];
    const after = [
      { node_id: "a", position: 0, config: { x: 2, y: 1 }, node_version_id: "v2" },
      { node_id: "z", position: 1 },
    ];
    expect(diffSteps(before, after)).toEqual([
      { kind: "config", position: 0, nodeId: "a", keys: ["x", "y"] },
      { kind: "version", position: 0, nodeId: "a" },
      { kind: "replaced", position: 1, before: "b", after: "z" },
      { kind: "removed", position: 2, nodeId: "c" },
    ]);
    expect(diffSteps([], [{ node_id: "n" }])).toEqual([{ kind: "added", position: 0, nodeId: "n" }]);
  });

  it("finds nothing between equal chains", () => {
    const steps = [{ node_id: "a", position: 0, config: { k: [1] } }];
    expect(diffSteps(steps, structuredClone(steps))).toEqual([]);
  });
});
