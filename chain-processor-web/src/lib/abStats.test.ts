import { variantStats } from "./abStats";

describe("variantStats", () => {
  it("groups runs by version with success rate and mean time", () => {
    expect(
      variantStats([
        { strategy_version_id: "a", status: "succeeded", execution_time_ms: 10 },
        { strategy_version_id: "a", status: "failed", execution_time_ms: 30 },
        { strategy_version_id: "b", status: "pending", execution_time_ms: null },
        { strategy_version_id: "a", status: "succeeded" },
      ]),
    ).toEqual([
      { versionId: "a", runs: 3, succeeded: 2, successRate: 2 / 3, meanMs: 20 },
      { versionId: "b", runs: 1, succeeded: 0, successRate: 0, meanMs: null },
    ]);
  });

  it("is empty without runs", () => {
    expect(variantStats([])).toEqual([]);
  });
});
