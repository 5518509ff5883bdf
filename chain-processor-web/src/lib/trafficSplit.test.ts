import { checkSplit, rowField, toVariants } from "./trafficSplit";

describe("checkSplit", () => {
  it("accepts distinct versions whose weights sum to 100", () => {
    const rows = [{ version: "1.0.0", weight: "70" }, { version: "1.1.0", weight: " 30" }];
    expect(checkSplit(rows)).toEqual({ rows: [{}, {}], total: 100, badTotal: false, ok: true });
    expect(toVariants(rows)).toEqual([{ version: "1.0.0", weight: 70 }, { version: "1.1.0", weight: 30 }]);
  });

  it("flags a missing or repeated version and a weight out of range", () => {
    const check = checkSplit([
      { version: "", weight: "50" },
      { version: "1.0.0", weight: "101" },
      { version: "1.0.0", weight: "2.5" },
      { version: "1.1.0", weight: "" },
    ]);
    expect(check.rows).toEqual([{ version: "versionRequired" }, { weight: "weightRange" }, { version: "duplicate", weight: "weightRange" }, { weight: "weightRange" }]);
    expect(check.ok).toBe(false);
  });

  it("wants the weights to make 100", () => {
    expect(checkSplit([{ version: "1.0.0", weight: "60" }, { version: "1.1.0", weight: "30" }])).toMatchObject({ total: 90, badTotal: true, ok: false });
    expect(checkSplit([]).ok).toBe(false);
  });
});

describe("rowField", () => {
  it("reads the API's field paths of a variant", () => {
    expect(rowField("variants.2.weight")).toEqual({ index: 2, field: "weight" });
    expect(rowField("variants.0.version")).toEqual({ index: 0, field: "version" });
    expect(rowField("variants")).toBeNull();
  });
});
